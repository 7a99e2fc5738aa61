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
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import ConflictError, UnavailableError
from .fastsql import dbapi_cursor

SQLITE_BUSY_TIMEOUT_MS = 30_000
LOCK_TIMEOUT_MS = 10_000
IDLE_PING_SECONDS = 5.0
# PostgreSQL connections a process keeps open: each request thread (8 by default, `--threads`) and the
# embedded runner hold one during a unit of work. With SQLAlchemy's default of 5, the 6th to 8th busy
# thread opened a connection and closed it again on every request. Past the pool's size, up to
# POOL_OVERFLOW more are opened as needed and closed on return; past both, a unit of work waits up to
# POOL_TIMEOUT seconds for a free one, then answers 503 (UnavailableError).
POOL_SIZE = 16
POOL_OVERFLOW = 16
POOL_TIMEOUT = 30
# Connections a server process needs besides its request threads': the embedded runner's and one spare
# (a health probe, a login's throttle record).
POOL_SPARE = 2


def pool_size_for(threads: int) -> int:
    """The pool a server process with `threads` request threads keeps: every thread can hold a
    connection at once, so none waits for another's to come back."""
    return max(POOL_SIZE, threads + POOL_SPARE)


def make_db_engine(url: str, echo: bool = False, lock_timeout_ms: int | None = None,
                   pool_size: int | None = None) -> SAEngine:
    """`lock_timeout_ms` (PostgreSQL): the longest a statement waits for a lock; None: LOCK_TIMEOUT_MS,
    0: no limit (migrations: their DDL waits its turn behind running transactions, as it always did).
    `pool_size` (PostgreSQL): connections kept open; None: POOL_SIZE."""
    lock_timeout_ms = LOCK_TIMEOUT_MS if lock_timeout_ms is None else lock_timeout_ms
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        _setup_sqlite(engine)
    else:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
        # connect_timeout: a health check against an unreachable host must answer, not hang
        # lock_timeout: no statement waits more than 10 s for a row another writer holds (the writer then
        # gets a 409 "busy, retry", see unit_of_work), set once per connection rather than per transaction.
        engine = create_engine(url, echo=echo, pool_size=pool_size or POOL_SIZE, max_overflow=POOL_OVERFLOW,
                               pool_timeout=POOL_TIMEOUT,
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


def _sqlstate(exc: OperationalError) -> str | None:
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)


def is_lock_timeout(exc: OperationalError) -> bool:
    """PostgreSQL's lock_timeout (SQLSTATE 55P03) or SQLite's busy timeout."""
    return _sqlstate(exc) == "55P03" or "database is locked" in str(exc.orig)


BUSY = "数据正在被其他操作处理，请稍后重试 (busy: another writer holds the lock)"
CLASH = "与同时进行的其他操作冲突，未作任何改动，请重试 (conflict with a concurrent operation; nothing was changed)"
# Not "nothing was changed": a connection lost during the COMMIT itself leaves unknown whether it committed.
UNREACHABLE = "数据库暂不可用，请稍后重试 (database unavailable)"
NO_CONNECTION = "服务繁忙，数据库连接已全部占用，未作任何改动，请稍后重试 (no database connection free)"

# SQLSTATE classes of a database that cannot take the work now: 08 connection exception, 53 insufficient
# resources (too many connections, disk full, out of memory), 57P operator intervention (shutting down,
# starting up, crashed).
_UNAVAILABLE_CLASSES = ("08", "53", "57P")
# Two transactions that collided: deadlock detected, serialization failure. Retrying succeeds.
_CLASHES = ("40P01", "40001")


def engine_error_for(exc: OperationalError) -> ConflictError | UnavailableError | None:
    """What a failed statement means to the user, when it is not a bug: a lock held too long or a
    collision with another transaction (409, retry), a database that is down, restarting, out of
    connections or disk, or a connection lost (503, retry later). None for anything else."""
    code = _sqlstate(exc)
    if is_lock_timeout(exc):
        return ConflictError(BUSY)
    if code in _CLASHES:
        return ConflictError(CLASH)
    if exc.connection_invalidated or (code or "").startswith(_UNAVAILABLE_CLASSES):
        return UnavailableError(UNREACHABLE)
    # psycopg gives no SQLSTATE when it could not connect at all; SQLite, when its file cannot be opened
    if code is None and (type(exc.orig).__module__.startswith("psycopg")
                         or "unable to open database file" in str(exc.orig) or "disk I/O error" in str(exc.orig)):
        return UnavailableError(UNREACHABLE)
    return None


@contextmanager
def _as_engine_errors() -> Iterator[None]:
    """Database failures that are not bugs, raised as what they mean to the user (`engine_error_for`);
    no pooled connection free within POOL_TIMEOUT: UnavailableError."""
    try:
        yield
    except OperationalError as exc:
        meant = engine_error_for(exc)
        if meant is None:
            raise
        raise meant from exc
    except PoolTimeoutError as exc:
        raise UnavailableError(NO_CONNECTION) from exc


class Database:
    """Owns the SQLAlchemy engine and hands out units of work."""

    def __init__(self, url: str, pool_size: int | None = None):
        self.url = url
        self.engine = make_db_engine(url, pool_size=pool_size)
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
            raise ConflictError(BUSY)
        session = (self._write if write else self._read)()
        try:
            with _as_engine_errors(), session.begin():
                yield session
        finally:
            session.close()
            if queued:
                self._writers.release()

    @contextmanager
    def single_read(self) -> Iterator:
        """A connection for one SELECT, outside any transaction: no BEGIN and ROLLBACK around it (on
        PostgreSQL two round trips fewer). Only for a single statement: several would not see one
        consistent snapshot."""
        with _as_engine_errors(), self._single_read.connect() as conn:
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
