"""Shared fixtures: an Engine on SQLite (a fresh file per test) and, when GWC_TEST_POSTGRES_URL is set,
the same tests again on PostgreSQL (migrated once with Alembic, tables truncated between tests).
With CI=true the PostgreSQL run is required: a missing server fails the run, it never skips."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.clock import FrozenClock
from engine.config import Settings
from engine.runtime.operators import OperatorRegistry
import warehouse.tables  # noqa: F401,E402 - every test database has the domain tables, as production does

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "bpmn"
PG_URL = os.environ.get("GWC_TEST_POSTGRES_URL")
if os.environ.get("CI") == "true" and not PG_URL:
    raise RuntimeError("CI=true but GWC_TEST_POSTGRES_URL is not set: the PostgreSQL run is required")

FAST = {"argon2_time_cost": 1, "argon2_memory_kib": 64}
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])


class NotifyCalls(list):
    pass


def make_operators() -> OperatorRegistry:
    ops = OperatorRegistry()
    ops.register("echo", lambda ctx, **params: params)
    ops.register("add", lambda ctx, a, b: {"sum": a + b})

    def fail(ctx, **params):
        raise RuntimeError("供应商系统无响应")
    ops.register("fail", fail)
    ops.register("notify_async", lambda ctx, **params: {"notified": True, "key": ctx.idempotency_key},
                 async_=True)
    return ops


@pytest.fixture(scope="session")
def pg_url():
    if not PG_URL:
        return None
    from sqlalchemy import create_engine, text
    from engine.store.migrate import upgrade
    from engine.store.tables import Base
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    eng = create_engine(url)
    Base.metadata.drop_all(eng)
    with eng.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    eng.dispose()
    upgrade(url)
    return url


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def clock():
    return FrozenClock()


@pytest.fixture
def engine(backend, tmp_path, clock, request):
    from engine.bootstrap import Engine
    if backend == "postgres":
        url = request.getfixturevalue("pg_url")
        eng = Engine(Settings(database_url=url, **FAST), make_operators(), clock)
        _truncate(eng)
    else:
        eng = Engine(Settings(database_url=f"sqlite:///{tmp_path / 'test.sqlite3'}", **FAST), make_operators(), clock)
        eng.db.create_all()
    yield eng
    eng.close()


def _truncate(eng) -> None:
    from sqlalchemy import text
    from engine.store.tables import Base
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with eng.db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def fixture_files(*names: str) -> dict[str, bytes]:
    return {n: (FIXTURES / n).read_bytes() for n in names}
