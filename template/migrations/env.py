"""Alembic environment: async engine, every `app.*.models` module imported for autogenerate."""

import asyncio
import importlib
import pkgutil
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

import app
from app.db.base import Base
from app.db.engine import create_engine

config = context.config
if config.config_file_name and not config.attributes.get("database_url"):
    # Only the `alembic` command configures logging; the app keeps its own when it migrates.
    fileConfig(config.config_file_name)

for module in pkgutil.walk_packages(app.__path__, prefix="app."):
    if module.name.endswith(".models"):
        importlib.import_module(module.name)

target_metadata = Base.metadata


def _database_url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return str(url)
    from app.settings import Settings

    return Settings().database_url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(_database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
