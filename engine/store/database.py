"""Database engine and the unit of work.

SQLite (WAL) is the embedded default: a writing unit of work starts with BEGIN IMMEDIATE, so two
writers never interleave (the SQLite equivalent of a row lock). On PostgreSQL a writing unit of work
locks the case row (SELECT ... FOR UPDATE) before it loads the workflow.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.exc import DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import ConflictError
from .fastsql import dbapi_cursor

SQLITE_BUSY_TIMEOUT_MS = 30_000
LOCK_TIMEOUT_MS = 10_000
IDLE_PING_SECONDS = 5.0
# PostgreSQL connections a server process keeps open: its request threads (8 by default, `--threads`)
# and its embedded runner's each hold one during a unit of work. With SQLAlchemy's default of 5, the 6th
# to 8th busy thread opened a connection and closed it again on every request. Past 16, up to 16 more are
# opened as needed and closed on return.
POOL_SIZE = 16
POOL_OVERFLOW = 16


def make_db_engine(url: str, echo: bool = False, lock_timeout_ms: int | None = None) -> SAEngine:
    """`lock_timeout_ms` (PostgreSQL): the longest a statement waits for a lock; None: LOCK_TIMEOUT_MS,
    0: no limit (migrations: their DDL waits its turn behind running transactions, as it always did)."""
    lock_timeout_ms = LOCK_TIMEOUT_MS if lock_timeout_ms is None else lock_timeout_ms
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        _setup_sqlite(engine)
    else:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
        # connect_timeout: a health check against an unreachable host must answer, not hang
        # lock_timeout: no statement waits more than 10 s for a row another writer holds (the writer then
        # gets a 409 "busy, retry", see unit_of_work), set once per connection rather than per transaction.
        engine = create_engine(url, echo=echo, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW,
                               connect_args={"connect_timeout": 5, "options": f"-c lock_timeout={lock_timeout_ms}"})
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: SAEngine) -> None:
    """Test a pooled connection before use only if it sat idle more than IDLE_PING_SECONDS: one that
    the server dropped (a restart, a failover) is replaced instead of failing the request. SQLAlchemy's
    pool_pre_ping tests every checkout: a round trip per unit of work, while a busy pool's connections
    were in use milliseconds ago."""
    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_conn, record):
        record.info["gwc_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_conn, record, _proxy):
        since = record.info.pop("gwc_idle_since", None)
        if since is None or time.monotonic() - since <= IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_conn.rollback()
        except Exception as exc:    # noqa: BLE001 - any failure: the pool replaces this connection
            raise DisconnectionError(f"idle connection failed its ping: {exc}") from exc


def _setup_sqlite(engine: SAEngine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None   # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        options = conn.get_execution_options()
        if options.get("gwc_single_read"):
            return          # one SELECT is its own transaction in SQLite's autocommit mode
        # Straight on the DBAPI connection (every unit of work begins here; SQLAlchemy's statement
        # machinery would cost more than the BEGIN), with a failure raised as SQLAlchemy's own error:
        # "database is locked" at BEGIN IMMEDIATE is then a 409 like any lock timeout.
        statement = "BEGIN IMMEDIATE" if options.get("gwc_write", False) else "BEGIN"
        with dbapi_cursor(conn, statement) as cursor:
            cursor.execute(statement)


def is_lock_timeout(exc: OperationalError) -> bool:
    """PostgreSQL's lock_timeout (SQLSTATE 55P03) or SQLite's busy timeout."""
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code == "55P03" or "database is locked" in str(exc.orig)


class Database:
    """Owns the SQLAlchemy engine and hands out units of work."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_db_engine(url)
        self.dialect = self.engine.dialect.name
        self._write = sessionmaker(bind=self.engine.execution_options(gwc_write=True), expire_on_commit=False)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. This process's writers queue here, in turn, rather than in
        # SQLite's busy handler, which sleeps and retries with growing pauses (seen: p99 0.5 s with 8
        # clients). Writers in other processes still meet at BEGIN IMMEDIATE.
        self._writers = threading.RLock() if self.dialect == "sqlite" else None
        self._single_read = self.engine.execution_options(
            **({"gwc_single_read": True} if self.dialect == "sqlite" else {"isolation_level": "AUTOCOMMIT"}))

    @contextmanager
    def unit_of_work(self, write: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back otherwise."""
        queued = write and self._writers is not None
        if queued and not self._writers.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise ConflictError("数据正在被其他操作处理，请稍后重试 (busy: another writer holds the lock)")
        session = (self._write if write else self._read)()
        try:
            with session.begin():
                yield session
        except OperationalError as exc:
            if is_lock_timeout(exc):
                raise ConflictError("数据正在被其他操作处理，请稍后重试 (busy: another writer holds the lock)") from exc
            raise
        finally:
            session.close()
            if queued:
                self._writers.release()

    @contextmanager
    def single_read(self) -> Iterator:
        """A connection for one SELECT, outside any transaction: no BEGIN and ROLLBACK around it (on
        PostgreSQL two round trips fewer). Only for a single statement: several would not see one
        consistent snapshot."""
        with self._single_read.connect() as conn:
            yield conn

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            return True
        except (SQLAlchemyError, OSError):
            return False

    def create_all(self) -> None:
        """Create the tables directly (tests); production uses `gwc db upgrade` (Alembic)."""
        from .tables import Base
        Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
