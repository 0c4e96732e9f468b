"""Short write transactions that must not wait on the event loop while they hold a lock.

On SQLite the group-commit writer (app.db.writer) writes on the event loop, and SQLite locks
the whole database for a write: a transaction opened through the async driver holds that lock
across `await`s, so the writer, blocking the loop while it waits for the lock, would wait for
a transaction that needs the loop to finish. Here the whole transaction runs in a worker
thread on a connection of its own instead, so it ends on its own and the writer waits at most
that long. On PostgreSQL (row locks, no writer on the loop) it runs through the async engine.
"""

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import DEFAULT_TIMEOUT_SECONDS, sqlite_tuning

T = TypeVar("T")


class Transactions:
    def __init__(
        self, engine: AsyncEngine, *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    ) -> None:
        self._engine = engine
        self._sync: Engine | None = None
        if engine.dialect.name == "sqlite":
            self._sync = create_engine(
                engine.url.set(drivername="sqlite"),
                connect_args={"check_same_thread": False, "timeout": timeout_seconds},
                hide_parameters=True,
            )
            event.listen(self._sync, "connect", sqlite_tuning(timeout_seconds))

    async def run(self, work: Callable[[Connection], T]) -> T:
        """`work(connection)` in one transaction, committed when it returns. Once started it
        runs to its end, even when its caller is cancelled (as a thread does on SQLite):
        cancelled mid-statement, the connection would be discarded and the work lost."""
        sync = self._sync
        if sync is not None:

            def in_transaction() -> T:
                with sync.begin() as connection:
                    return work(connection)

            return await anyio.to_thread.run_sync(in_transaction)
        with anyio.CancelScope(shield=True):
            async with self._engine.begin() as connection:
                result = await connection.run_sync(work)
        return result

    def close(self) -> None:
        if self._sync is not None:
            self._sync.dispose()
