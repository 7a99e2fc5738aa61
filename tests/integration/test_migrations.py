"""`gwc db upgrade` builds exactly the schema the code declares, on SQLite and PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from engine.store.migrate import upgrade
from engine.store.tables import Base
from tests.conftest import ROOT


def _diff(url: str) -> list:
    eng = create_engine(url)
    with eng.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    eng.dispose()
    return diff


def test_sqlite_upgrade_matches_tables(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    upgrade(url)      # idempotent
    assert _diff(url) == []


def test_postgres_upgrade_matches_tables(pg_url):
    if pg_url is None:
        import pytest
        pytest.skip("GWC_TEST_POSTGRES_URL not set (required, and set, in CI)")
    assert _diff(pg_url) == []
    eng = create_engine(pg_url)
    names = set(inspect(eng).get_table_names())
    eng.dispose()
    assert {"cases", "human_tasks", "timers", "case_events"} <= names


def test_gwc_db_upgrade_command_creates_the_database(tmp_path):
    db = tmp_path / "cli.sqlite3"
    env = {**os.environ, "GWC_DATABASE_URL": f"sqlite:///{db}"}
    out = subprocess.run([sys.executable, "-m", "gwc", "db", "upgrade"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "up to date" in out.stdout
    eng = create_engine(f"sqlite:///{db}")
    assert "cases" in inspect(eng).get_table_names()
    eng.dispose()
