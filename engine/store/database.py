"""Database engine and the unit of work.

SQLite (WAL) is the embedded default: a writing unit of work starts with BEGIN IMMEDIATE, so two
writers never interleave (the SQLite equivalent of a row lock). On PostgreSQL a writing unit of work
locks the case row (SELECT ... FOR UPDATE) before it loads the workflow.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_db_engine(url: str, echo: bool = False) -> SAEngine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        _setup_sqlite(engine)
    else:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
        # connect_timeout: a health check against an unreachable host must answer, not hang
        engine = create_engine(url, echo=echo, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    return engine


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
        immediate = conn.get_execution_options().get("gwc_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Owns the SQLAlchemy engine and hands out units of work."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_db_engine(url)
        self.dialect = self.engine.dialect.name
        self._write = sessionmaker(bind=self.engine.execution_options(gwc_write=True), expire_on_commit=False)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)

    @contextmanager
    def unit_of_work(self, write: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back otherwise."""
        session = (self._write if write else self._read)()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

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
