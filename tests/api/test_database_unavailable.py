"""A database that is down, or has no connection free, answers 503 with Retry-After on every route, not 500,
and nothing is written; the classification of database failures behind it."""
from __future__ import annotations

import dataclasses
import threading

import pytest
from sqlalchemy.exc import OperationalError

from engine.errors import ConflictError, UnavailableError
from engine.store import database
from engine.store.database import engine_error_for, pool_size_for
from tests.api.conftest import make_app
from tests.api.support import Api, assert_error


def _down_engine(engine, backend, tmp_path):
    from engine.bootstrap import Engine
    url = (f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.sqlite3'}" if backend == "sqlite"
           else "postgresql://postgres@127.0.0.1:1/nowhere")
    return Engine(dataclasses.replace(engine.settings, database_url=url), clock=engine.clock)


def test_every_kind_of_request_is_503_with_retry_after_when_the_database_is_down(engine, users, backend, tmp_path):
    token = Api(make_app(engine).test_client()).token("wang.clerk")     # issued while the database was up
    down = _down_engine(engine, backend, tmp_path)
    try:
        client = make_app(down).test_client()           # the same secret: the token itself is valid
        headers = {"Authorization": f"Bearer {token}"}
        answers = [client.post("/api/v1/auth/token", json={"username": "wang.clerk", "password": "x" * 12}),
                   client.get("/api/v1/tasks", headers=headers),
                   client.post("/api/v1/cases", json={"process_model": "simple", "data": {}}, headers=headers)]
        for r in answers:
            body = assert_error(r, 503, "service_unavailable")
            assert "数据库暂不可用" in body["message"]
            assert int(r.headers["Retry-After"]) >= 1
    finally:
        down.close()


def _operational(orig: Exception, invalidated: bool = False) -> OperationalError:
    return OperationalError("SELECT 1", {}, orig, connection_invalidated=invalidated)


class _PgError(Exception):
    def __init__(self, sqlstate):
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate, meant", [
    ("55P03", ConflictError), ("40P01", ConflictError), ("40001", ConflictError),
    ("08006", UnavailableError), ("53300", UnavailableError), ("57P01", UnavailableError),
    ("57014", None), ("42P01", None),
])
def test_database_failures_are_classified_by_sqlstate(sqlstate, meant):
    found = engine_error_for(_operational(_PgError(sqlstate)))
    assert (None if found is None else type(found)) is meant


def test_a_lost_connection_is_unavailable_and_sqlite_busy_is_a_conflict():
    import sqlite3
    assert isinstance(engine_error_for(_operational(Exception("server closed the connection"), True)),
                      UnavailableError)
    assert isinstance(engine_error_for(_operational(sqlite3.OperationalError("database is locked"))), ConflictError)
    assert isinstance(engine_error_for(_operational(sqlite3.OperationalError("unable to open database file"))),
                      UnavailableError)
    assert engine_error_for(_operational(sqlite3.OperationalError("no such table: cases"))) is None


def test_the_pool_holds_a_connection_per_request_thread():
    assert pool_size_for(8) == database.POOL_SIZE
    assert pool_size_for(64) == 64 + database.POOL_SPARE


@pytest.fixture
def tiny_pool(pg_url, monkeypatch):
    """An engine on the tests' PostgreSQL whose pool is one connection, no overflow, a short wait."""
    if pg_url is None:
        pytest.skip("GWC_TEST_POSTGRES_URL not set (required, and set, in CI)")
    from engine.bootstrap import Engine
    from engine.config import Settings
    from tests.conftest import FAST, _truncate, make_operators
    monkeypatch.setattr(database, "POOL_OVERFLOW", 0)
    monkeypatch.setattr(database, "POOL_TIMEOUT", 0.2)
    eng = Engine(Settings(database_url=pg_url, db_pool_size=1, **FAST), make_operators())
    _truncate(eng)
    eng.add_user("held", "a long password", ["CLERK"])
    yield eng
    eng.close()


def test_no_free_connection_is_503_and_the_next_request_is_served(tiny_pool):
    assert tiny_pool.db.engine.pool.size() == 1
    holding, release = threading.Event(), threading.Event()

    def hold():
        with tiny_pool.db.unit_of_work(write=False) as s:
            s.connection()
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        with pytest.raises(UnavailableError, match="连接已全部占用"):
            tiny_pool.inbox("held")
    finally:
        release.set()
        holder.join(10)
    assert tiny_pool.inbox("held") == ([], 0)       # the connection came back: the next request is served


def test_a_connection_the_server_dropped_is_503_once_and_then_replaced(tiny_pool, pg_url):
    """PostgreSQL restarted or an administrator ended the session: the request on that connection answers
    503 (retry), the pool throws the connection away, and the next request gets a new one."""
    import psycopg
    assert tiny_pool.inbox("held") == ([], 0)
    with tiny_pool.db.engine.connect() as conn:         # the pool's one connection, idle again after this
        backend = conn.connection.dbapi_connection.info.backend_pid
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (backend,)).fetchone()[0]
    with pytest.raises(UnavailableError, match="数据库暂不可用"):
        tiny_pool.inbox("held")
    assert tiny_pool.inbox("held") == ([], 0)
    with tiny_pool.db.engine.connect() as conn:
        assert conn.connection.dbapi_connection.info.backend_pid != backend


def test_after_a_database_restart_only_the_first_request_sees_it(pg_url, monkeypatch):
    """Every pooled connection died with the server: the first request to meet a dead one answers 503 and
    the pool renews all of them, so the requests after it are served, not one 503 per stale connection."""
    if pg_url is None:
        pytest.skip("GWC_TEST_POSTGRES_URL not set (required, and set, in CI)")
    import psycopg
    from engine.bootstrap import Engine
    from engine.config import Settings
    from tests.conftest import FAST, _truncate, make_operators
    monkeypatch.setattr(database, "POOL_OVERFLOW", 0)
    eng = Engine(Settings(database_url=pg_url, db_pool_size=3, **FAST), make_operators())
    try:
        _truncate(eng)
        eng.add_user("held", "a long password", ["CLERK", "KEEPER@武侯区"])
        client = make_app(eng).test_client()
        token = client.post("/api/v1/auth/token", json={"username": "held", "password": "a long password"})
        headers = {"Authorization": "Bearer " + token.get_json()["access_token"]}
        assert client.get("/api/v1/tasks", headers=headers).status_code == 200
        held = [eng.db.engine.connect() for _ in range(3)]          # the pool's three connections exist
        backends = [c.connection.dbapi_connection.info.backend_pid for c in held]
        for c in held:
            c.close()
        with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
            for pid in backends:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        # the caller's grants are still cached: the inbox's first statement runs on the DBAPI cursor
        assert_error(client.get("/api/v1/tasks", headers=headers), 503, "service_unavailable")
        for _ in range(3):
            assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    finally:
        eng.close()
