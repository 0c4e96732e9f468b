"""Group commit: the small writes of concurrent requests share one transaction.

Every caller still waits until its own write is committed (nothing is acknowledged before it
is stored), but under load N requests pay for one transaction, and their inserts into the same
table become one multi-row statement.

On SQLite the batch runs right on the event loop with the standard library driver: a batch is
a few hundred microseconds of work (WAL, no fsync per commit), while an async driver pays an
event-loop round trip per statement and a worker thread waits up to 5 ms for the GIL under
load. Checkpoints, the one slow SQLite step, run in a worker thread instead. This process is
also the database's only regular writer, so no request sleeps in SQLite's busy-retry loop.
"""

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import anyio.to_thread
from sqlalchemy import Connection, Dialect, Engine, Executable, Table, create_engine, event, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.base import Base
from app.db.engine import tune_sqlite

logger = logging.getLogger(__name__)

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Insert:
    table: Table
    rows: list[Row]


@dataclass(frozen=True, slots=True)
class Execute:
    statement: Executable
    params: Row = field(default_factory=dict)


Operation = Insert | Execute


@dataclass(frozen=True, slots=True)
class _Pending:
    operations: Sequence[Operation]
    fallback: Sequence[Operation]
    future: asyncio.Future[None]


class WriterClosed(RuntimeError):
    pass


@cache
def _insert_order() -> dict[str, int]:
    """Parents before children; computed once (`sorted_tables` sorts on every access)."""
    return {table.name: index for index, table in enumerate(Base.metadata.sorted_tables)}


def plan(writes: Iterable[Sequence[Operation]]) -> list[Operation]:
    """One batch's operations: statements first, then inserts merged per table, parents first.

    Statements only ever touch rows committed before (a conversation is continued only after
    the answer that created it was sent), so running them first is safe.
    """
    statements: list[Operation] = []
    inserts: dict[str, Insert] = {}
    for operations in writes:
        for operation in operations:
            if isinstance(operation, Execute):
                statements.append(operation)
            elif operation.table.name in inserts:
                inserts[operation.table.name].rows.extend(operation.rows)
            else:
                inserts[operation.table.name] = Insert(operation.table, list(operation.rows))
    order = _insert_order()
    return [*statements, *sorted(inserts.values(), key=lambda i: order[i.table.name])]


def _run(connection: Connection, operations: Sequence[Operation]) -> None:
    for operation in operations:
        if isinstance(operation, Insert):
            connection.execute(insert(operation.table), operation.rows)
        else:
            connection.execute(operation.statement, operation.params)


@dataclass(frozen=True, slots=True)
class _CompiledInsert:
    sql: str
    columns: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def parameters(self, rows: list[Row]) -> list[tuple[Any, ...]]:
        return [
            tuple(
                process(row[column]) if process is not None else row[column]
                for column, process in zip(self.columns, self.processors, strict=True)
            )
            for row in rows
        ]


class _SqliteInserts:
    """INSERTs compiled once and run with the driver's own `executemany`.

    SQLAlchemy's per-execution work (cache lookups, parameter processing in Python) is most
    of a small batch's cost on SQLite; these statements never change, and the values still
    go through SQLAlchemy's own type processors, so rows are stored exactly as it would.
    """

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._compiled: dict[tuple[str, tuple[str, ...]], _CompiledInsert] = {}

    def _compile(self, table: Table, keys: tuple[str, ...]) -> _CompiledInsert:
        found = self._compiled.get((table.name, keys))
        if found is None:
            compiled = insert(table).compile(dialect=self._dialect, column_keys=list(keys))
            columns = tuple(compiled.positiontup or ())
            processors = tuple(
                table.c[column].type.dialect_impl(self._dialect).bind_processor(self._dialect)
                for column in columns
            )
            found = self._compiled[(table.name, keys)] = _CompiledInsert(
                str(compiled), columns, processors
            )
        return found

    def run(self, connection: Connection, operations: Sequence[Operation]) -> None:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            for operation in operations:
                if isinstance(operation, Execute):
                    connection.execute(operation.statement, operation.params)
                    continue
                rows = operation.rows
                compiled = self._compile(operation.table, tuple(rows[0]))
                parameters = compiled.parameters(rows)
                try:
                    cursor.executemany(compiled.sql, parameters)
                except self._dialect.loaded_dbapi.Error as exc:
                    # The same exception types as every other SQLAlchemy call.
                    raise DBAPIError.instance(
                        compiled.sql, parameters, exc, self._dialect.loaded_dbapi.Error
                    ) from exc
        finally:
            cursor.close()


class BatchWriter:
    def __init__(self, engine: AsyncEngine, *, max_batch: int = 256) -> None:
        self._engine = engine
        self._sync_engine: Engine | None = None
        self._sqlite_inserts: _SqliteInserts | None = None
        if engine.dialect.name == "sqlite":
            self._sync_engine = create_engine(
                engine.url.set(drivername="sqlite"), connect_args={"check_same_thread": False}
            )
            event.listen(self._sync_engine, "connect", tune_sqlite)
            event.listen(self._sync_engine, "connect", _no_automatic_checkpoints)
            self._sqlite_inserts = _SqliteInserts(self._sync_engine.dialect)
        self._batches_since_checkpoint = 0
        self._max_batch = max_batch
        self.batches_committed = 0
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._closed = False

    async def write(self, *operations: Operation, fallback: Sequence[Operation] = ()) -> None:
        """Commits `operations` in a shared transaction; returns once they are stored.

        Should they fail even on their own, `fallback` is committed instead when given (the
        part that must never be lost, e.g. a usage record without its conversation turn).
        A caller cancelled while waiting (a client that left) does not cancel the write.
        """
        if self._closed:
            raise WriterClosed("the database writer is shut down")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(operations, fallback, future))
        await future

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
                if self._sync_engine is not None:
                    self._sync_engine.dispose()
                return

    def close(self) -> None:
        """Stops taking writes; `run` returns once everything already queued is committed."""
        self._closed = True
        self._queue.put_nowait(None)

    async def _commit(self, batch: list[_Pending]) -> None:
        try:
            await self._execute(plan(pending.operations for pending in batch))
        except Exception as exc:
            if len(batch) > 1:
                # One bad write must not fail its neighbours: retry each on its own.
                logger.warning("a batched write failed (%s); retrying one by one", exc)
                for pending in batch:
                    await self._commit([pending])
            elif batch[0].fallback:
                logger.warning("a write failed (%s); storing its fallback", exc)
                pending = batch[0]
                await self._commit([_Pending(pending.fallback, (), pending.future)])
            else:
                _settle(batch[0].future, exc)
            return
        self.batches_committed += 1
        for pending in batch:
            _settle(pending.future, None)

    async def _execute(self, operations: list[Operation]) -> None:
        sync_engine, inserts = self._sync_engine, self._sqlite_inserts
        if sync_engine is None or inserts is None:
            async with self._engine.begin() as connection:
                await connection.run_sync(_run, operations)
            return
        with sync_engine.begin() as connection:
            inserts.run(connection, operations)
        self._batches_since_checkpoint += 1
        if self._batches_since_checkpoint >= CHECKPOINT_EVERY_BATCHES:
            self._batches_since_checkpoint = 0
            await anyio.to_thread.run_sync(_checkpoint, sync_engine)


CHECKPOINT_EVERY_BATCHES = 200


def _no_automatic_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    """A commit that crosses the WAL size limit would checkpoint (and fsync) on the loop."""
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _checkpoint(engine: Engine) -> None:
    """Copies the WAL back into the database without blocking readers or the next batch."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():  # its caller was cancelled (the client left); the write still happened
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
