"""Alembic environment: the URL comes from the config object built by engine.store.migrate."""
from alembic import context

from engine.store.database import make_db_engine
from engine.store.tables import Base
import warehouse.tables  # noqa: F401,E402 - the migrations cover the whole product's schema, domain tables too

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_db_engine(config.get_main_option("sqlalchemy.url"), lock_timeout_ms=0)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
