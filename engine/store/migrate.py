"""`gwc db upgrade`: create or migrate the database with Alembic."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def revision(url: str, message: str) -> None:
    """For developers: autogenerate a migration from the tables (then review it)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)


def pending(url: str) -> str | None:
    """None when the database is at the newest migration; else a sentence saying what to do."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from .database import make_db_engine
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = make_db_engine(url)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:   # noqa: BLE001 - unreachable database: say so
        return f"数据库无法连接 (cannot connect to the database): {type(exc).__name__}: {exc}"
    finally:
        engine.dispose()
    if current != head:
        return (f"数据库结构不是最新 (database schema is at {current or 'nothing'}, code expects {head}): "
                f"run `gwc db upgrade` first")
    return None
