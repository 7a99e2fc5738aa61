"""The database layer under failures a user would otherwise see as a hang or a 500: a connection the
server dropped while it sat in the pool, and a row lock held longer than the lock timeout."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from engine.bootstrap import Engine
from engine.config import Settings
from engine.errors import ConflictError
from engine.store import database
from tests.conftest import FAST, _truncate, fixture_files, make_operators
from tests.helpers import add_users, find_task

EXCLUSIVE = ("exclusive_gateway.bpmn", "amount.schema.json", "approve.schema.json")


@pytest.fixture
def pg(pg_url, clock):
    if pg_url is None:
        pytest.skip("GWC_TEST_POSTGRES_URL not set (required, and set, in CI)")
    eng = Engine(Settings(database_url=pg_url, **FAST), make_operators(), clock)
    _truncate(eng)
    add_users(eng)
    yield eng
    eng.close()


def _backend_pid(conn) -> int:
    return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_pooled_connection_the_server_dropped_is_replaced_before_use(pg, monkeypatch):
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)     # every idle connection is tested
    with pg.db.engine.connect() as conn:
        dropped = _backend_pid(conn)
    with pg.db.engine.connect() as other:                       # the pool hands back the same connection
        assert _backend_pid(other) == dropped
    admin = database.make_db_engine(pg.db.url)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    admin.dispose()
    assert pg.principal("tester").username == "tester"         # no error: a new connection served it
    with pg.db.engine.connect() as conn:
        assert _backend_pid(conn) != dropped


def test_a_writer_waiting_past_the_lock_timeout_gets_a_conflict_not_a_hang(pg_url, clock, monkeypatch):
    if pg_url is None:
        pytest.skip("GWC_TEST_POSTGRES_URL not set (required, and set, in CI)")
    monkeypatch.setattr(database, "LOCK_TIMEOUT_MS", 300)
    eng = Engine(Settings(database_url=pg_url, **FAST), make_operators(), clock)
    try:
        _truncate(eng)
        add_users(eng)
        eng.deploy(fixture_files(*EXCLUSIVE))
        case = eng.start_case("exclusive_gateway", {}, "tester")
        task = find_task(eng, "tester", "enter_amount")
        holding, release = threading.Event(), threading.Event()

        def hold_the_case():
            with eng.db.engine.connect() as conn:
                conn.execute(text("SELECT id FROM cases WHERE id = :id FOR UPDATE"), {"id": case["id"]})
                holding.set()
                release.wait(10)
                conn.rollback()

        holder = threading.Thread(target=hold_the_case)
        holder.start()
        assert holding.wait(10)
        try:
            with pytest.raises(ConflictError, match="稍后重试"):
                eng.complete(task["id"], "tester", {"amount": 5})
        finally:
            release.set()
            holder.join()
        done = eng.complete(task["id"], "tester", {"amount": 5})      # nothing was lost: it goes through now
        assert done["task"]["state"] == "completed"
    finally:
        eng.close()


def test_the_application_waits_10_s_for_a_lock_and_a_migration_as_long_as_it_takes(pg):
    with pg.db.engine.connect() as conn:
        assert conn.execute(text("SHOW lock_timeout")).scalar_one() == "10s"
    migrations = database.make_db_engine(pg.db.url, lock_timeout_ms=0)
    try:
        with migrations.connect() as conn:
            assert conn.execute(text("SHOW lock_timeout")).scalar_one() == "0"
    finally:
        migrations.dispose()


def test_a_sqlite_writer_in_another_process_gives_a_conflict_not_a_500(tmp_path, clock, monkeypatch):
    """Writers of one process queue on a lock; another process's writer (here: a second connection
    holding BEGIN IMMEDIATE) is met at BEGIN IMMEDIATE, and past the busy timeout that is a 409."""
    import sqlite3
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "busy.sqlite3"
    eng = Engine(Settings(database_url=f"sqlite:///{path}", **FAST), make_operators(), clock)
    try:
        eng.db.create_all()
        add_users(eng)
        eng.deploy(fixture_files(*EXCLUSIVE))
        eng.start_case("exclusive_gateway", {}, "tester")
        task = find_task(eng, "tester", "enter_amount")
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(ConflictError, match="稍后重试"):
                eng.complete(task["id"], "tester", {"amount": 5})
        finally:
            other.execute("ROLLBACK")
            other.close()
        done = eng.complete(task["id"], "tester", {"amount": 5})      # nothing was lost: it goes through now
        assert done["task"]["state"] == "completed"
    finally:
        eng.close()
