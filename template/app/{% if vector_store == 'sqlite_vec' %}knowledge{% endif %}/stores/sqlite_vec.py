"""SQLite + sqlite-vec, embedded: vectors in a local file, no server.

Loaded through APSW because many Python builds (pyenv's, macOS's) ship an sqlite3 module
that cannot load extensions; APSW wheels can, on every platform.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import apsw
import sqlite_vec  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.readiness import ReadinessCheck
from app.knowledge.stores.base import VectorStore
from app.settings import Settings


class SqliteVecStore:
    name = "sqlite_vec"

    def __init__(self, connection: apsw.Connection) -> None:
        self._connection = connection
        self._lock = anyio.Lock()  # one APSW connection: calls take turns in a worker thread

    @classmethod
    async def open(cls, path: str) -> "SqliteVecStore":
        def connect() -> apsw.Connection:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            connection = apsw.Connection(path)
            connection.enable_load_extension(True)
            connection.load_extension(sqlite_vec.loadable_path())
            connection.enable_load_extension(False)
            connection.execute("PRAGMA journal_mode=WAL")
            return connection

        return cls(await anyio.to_thread.run_sync(connect))

    async def _fetch_one(self, sql: str) -> Any:
        async with self._lock:
            return await anyio.to_thread.run_sync(lambda: self._connection.execute(sql).fetchone())

    def readiness_check(self) -> ReadinessCheck:
        async def probe() -> dict[str, Any]:
            row = await self._fetch_one("SELECT vec_version()")
            return {"backend": self.name, "version": row[0] if row else None}

        return ReadinessCheck("vector_store", probe)

    async def aclose(self) -> None:
        async with self._lock:
            await anyio.to_thread.run_sync(self._connection.close)


@asynccontextmanager
async def open_vector_store(settings: Settings, _engine: AsyncEngine) -> AsyncIterator[VectorStore]:
    """Its own files (or server), beside the service's database."""
    store = await SqliteVecStore.open(settings.vector_db_path)
    try:
        yield store
    finally:
        await store.aclose()
