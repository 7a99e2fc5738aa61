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


def test_existing_cases_are_indexed_under_their_task_scopes_on_upgrade(tmp_path):
    """case_scopes (what a MANAGER@武侯区 sees) is filled from the tasks already stored."""
    from sqlalchemy import text
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "d9d871b4beec")
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO process_versions (id, process_id, version, name, content_hash, spec, "
                          "serializer_version, roles, deployed_at) VALUES (1, 'p', 1, 'p', 'h', '{}', '1', '[]', "
                          "'2026-01-01')"))
        conn.execute(text("INSERT INTO cases (id, process_id, version_id, version, status, started_by, created_at, "
                          "updated_at, revision, data, state, serializer_version) VALUES ('c1', 'p', 1, 1, 'waiting', "
                          "'u', '2026-01-01', '2026-01-01', 1, '{}', '', '')"))
        for task_id, scope in (("t1", "武侯区"), ("t2", "武侯区"), ("t3", "U07"), ("t4", None)):
            conn.execute(text("INSERT INTO human_tasks (id, case_id, process_id, element_id, title, scope, state, "
                              "priority, created_at) VALUES (:id, 'c1', 'p', 'e', 't', :scope, 'open', 50, "
                              "'2026-01-01')"), {"id": task_id, "scope": scope})
    upgrade(url)
    with eng.connect() as conn:
        rows = conn.execute(text("SELECT scope, case_id FROM case_scopes ORDER BY scope")).all()
    eng.dispose()
    assert [tuple(r) for r in rows] == [("U07", "c1"), ("武侯区", "c1")]
