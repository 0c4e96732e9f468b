"""Runs the Alembic migrations from code, so a first start on SQLite needs no extra command."""

from pathlib import Path

import anyio.to_thread
from alembic import command
from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade_database_sync(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "heads")


async def upgrade_database(database_url: str) -> None:
    """Alembic's env runs its own event loop, so it gets a worker thread of its own."""
    await anyio.to_thread.run_sync(upgrade_database_sync, database_url)
