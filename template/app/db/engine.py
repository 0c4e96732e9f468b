"""The async engine and session factory, tuned per backend."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

DEFAULT_TIMEOUT_SECONDS = 5.0

SqliteTuning = Callable[[Any, Any], None]


def create_engine(
    database_url: str, *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
) -> AsyncEngine:
    """`timeout_seconds` bounds how long an operation waits (for a connection, a lock, a
    query) before it fails as unavailable. `hide_parameters`: a failed statement's error (and
    so the log line) never carries the values it was writing, such as a user's prompt."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=20,
            pool_timeout=timeout_seconds,
            connect_args={"timeout": timeout_seconds, "command_timeout": timeout_seconds},
            hide_parameters=True,
        )

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url, connect_args={"timeout": timeout_seconds}, hide_parameters=True
    )
    event.listen(engine.sync_engine, "connect", sqlite_tuning(timeout_seconds))
    return engine


def sqlite_tuning(timeout_seconds: float) -> SqliteTuning:
    """WAL lets readers run beside the writer; NORMAL sync is safe with WAL and much faster;
    a locked database is waited for `timeout_seconds`, then reported."""

    def tune(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout_seconds * 1000)}")
        cursor.close()

    return tune


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
