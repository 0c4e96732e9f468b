"""Group commit: the small writes of concurrent requests share one transaction.

Every caller still waits until its own write is committed (nothing is acknowledged before it
is stored), but under load N requests pay for one transaction, and their inserts into the same
table become one multi-row statement. On SQLite this process is also the database's only
regular writer, so no request sleeps in SQLite's busy-retry loop.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from app.core.errors import is_database_unavailable
from app.core.metrics import Metrics
from app.db.engine import DEFAULT_TIMEOUT_SECONDS
from app.db.operations import Operation, plan, run_operations
from app.db.sqlite_writes import SqliteWrites

logger = logging.getLogger(__name__)


class _Target(Protocol):
    async def execute(self, operations: Sequence[Operation]) -> None: ...

    def close(self) -> None: ...


class _AsyncEngineWrites:
    """Any async database (PostgreSQL here): one transaction per batch on the pool."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def execute(self, operations: Sequence[Operation]) -> None:
        async with self._engine.begin() as connection:
            await connection.run_sync(run_operations, operations)

    def close(self) -> None:
        return None


# A dropped connection or a restarting server often answers again within a second or two:
# a batch is tried again, with growing pauses, before its writes are reported as failed.
TRANSIENT_RETRIES = 3


class Stored(Enum):
    ALL = "all"
    FALLBACK = "fallback"  # the writes failed, what must not be lost was stored instead


@dataclass(frozen=True, slots=True)
class _Pending:
    operations: Sequence[Operation]
    fallback: Sequence[Operation]
    future: asyncio.Future[Stored]
    stored: Stored = Stored.ALL


class WriterClosed(RuntimeError):
    pass


class BatchWriter:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        metrics: Metrics,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        max_batch: int = 256,
    ) -> None:
        self._target: _Target = (
            SqliteWrites(engine.url, timeout_seconds=timeout_seconds)
            if engine.dialect.name == "sqlite"
            else _AsyncEngineWrites(engine)
        )
        self._max_batch = max_batch
        self._writes = metrics.db_writes
        self._batches = metrics.db_write_batches
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._closed = False

    async def write(self, *operations: Operation, fallback: Sequence[Operation] = ()) -> Stored:
        """Commits `operations` in a shared transaction; returns once they are stored.

        Should they fail even on their own, `fallback` is committed instead when given (the
        part that must never be lost, e.g. a usage record without its conversation turn), and
        the answer says so. While the database is unavailable (after a few tries), the error
        is raised. A caller cancelled while waiting (a client that left) does not cancel the
        write.
        """
        if self._closed:
            raise WriterClosed("the database writer is shut down")
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(operations, fallback, future))
        return await future

    async def run(self) -> None:
        """The writer task: takes whatever is queued, commits it as one batch, repeats."""
        while True:
            item = await self._queue.get()
            # One turn of the event loop lets the requests already running reach their own
            # write, so they join this batch instead of paying for a commit each.
            await asyncio.sleep(0)
            batch: list[_Pending] = []
            stopping = item is None
            if item is not None:
                batch.append(item)
            while len(batch) < self._max_batch and not self._queue.empty():
                queued = self._queue.get_nowait()
                if queued is None:
                    stopping = True
                else:
                    batch.append(queued)
            if batch:
                await self._commit(batch)
            if stopping and self._queue.empty():
                self._target.close()
                return

    def close(self) -> None:
        """Stops taking writes; `run` returns once everything already queued is committed."""
        self._closed = True
        self._queue.put_nowait(None)

    async def _commit(self, batch: list[_Pending]) -> None:
        try:
            await self._execute(plan(pending.operations for pending in batch))
        except Exception as exc:
            if is_database_unavailable(exc):
                # Still unavailable after the retries: writing them one by one cannot help.
                for pending in batch:
                    _settle(pending.future, exc)
            elif len(batch) > 1:
                # One bad write must not fail its neighbours: retry each on its own.
                logger.warning("a batched write failed (%s); retrying one by one", exc)
                for pending in batch:
                    await self._commit([pending])
            elif batch[0].fallback:
                logger.warning("a write failed (%s); storing its fallback", exc)
                pending = batch[0]
                await self._commit(
                    [_Pending(pending.fallback, (), pending.future, Stored.FALLBACK)]
                )
            else:
                _settle(batch[0].future, exc)
            return
        self._batches.inc()
        self._writes.inc(len(batch))
        for pending in batch:
            _settle(pending.future, pending.stored)

    async def _execute(self, operations: Sequence[Operation]) -> None:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(TRANSIENT_RETRIES + 1),
            wait=wait_exponential(multiplier=0.1, max=2.0),
            retry=retry_if_exception(is_database_unavailable),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                await self._target.execute(operations)


def _settle(future: asyncio.Future[Stored], outcome: Stored | BaseException) -> None:
    if future.done():  # its caller was cancelled (the client left); the write still happened
        return
    if isinstance(outcome, Stored):
        future.set_result(outcome)
    else:
        future.set_exception(outcome)
