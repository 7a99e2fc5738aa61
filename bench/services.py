"""The databases and broker a bench run uses, each made fresh for the section that needs it.

PostgreSQL: `GWC_BENCH_POSTGRES_URL` (default postgresql://postgres@127.0.0.1:5432/gwc_bench). The
bench database is created when missing (through the server's `postgres` database) and its schema is
dropped and migrated again per section: never point it at a database you keep (nor at the test suite's
`test` database, which the tests truncate). Redis: `GWC_BENCH_REDIS_URL` (default db 14; the worker
tests use 15). A section whose service is not reachable is reported as not measured, with the reason.
"""
from __future__ import annotations

import os
from pathlib import Path

from engine.config import Settings

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "bench" / "models"
PG_URL = os.environ.get("GWC_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/gwc_bench")
REDIS_URL = os.environ.get("GWC_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
FAST_HASH = {"argon2_time_cost": 1, "argon2_memory_kib": 64}   # logins are not what we measure
PASSWORD = "bench password"


def model_files(*names: str) -> dict[str, bytes]:
    return {n: (MODELS / n).read_bytes() for n in names}


APPROVAL_FILES = ("approval.bpmn", "bench_review.schema.json", "bench_approve.schema.json")


def postgres() -> tuple[str | None, str]:
    """(url, "") when the bench database is reachable (created if missing), else (None, why not)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
    plain = PG_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    info = conninfo_to_dict(plain)
    name = info.get("dbname")
    if not name or name in ("test", "postgres"):
        return None, f"GWC_BENCH_POSTGRES_URL must name a database of its own, not {name!r}"
    try:
        with psycopg.connect(make_conninfo(plain, dbname="postgres"), autocommit=True, connect_timeout=3) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        return None, f"PostgreSQL not reachable ({type(exc).__name__})"
    return plain, ""


_migrated: set[str] = set()


def fresh_postgres(url: str) -> None:
    """An empty bench database at the newest schema: dropped and migrated the first time in a run,
    truncated after that (a migration costs seconds; --quick has few of them)."""
    import psycopg
    from engine.store.migrate import upgrade
    with psycopg.connect(url, autocommit=True) as conn:
        if url in _migrated:
            names = [r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
            conn.execute("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE")
            return
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    upgrade(url)
    _migrated.add(url)


def fresh_sqlite(directory: Path, name: str) -> str:
    from engine.store.migrate import upgrade
    url = f"sqlite:///{directory / name}.sqlite3"
    upgrade(url)
    return url


def redis() -> tuple[str | None, str]:
    import redis as redis_lib
    try:
        client = redis_lib.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
        client.flushdb()
        client.close()
    except redis_lib.exceptions.RedisError as exc:
        return None, f"Redis not reachable ({type(exc).__name__})"
    return REDIS_URL, ""


def engine(url: str, clock=None, **settings):
    from engine.bootstrap import Engine
    return Engine(Settings(database_url=url, **FAST_HASH, **settings), clock=clock)
