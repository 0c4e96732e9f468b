"""SQLite writes for the batch writer: on the event loop, with the standard library driver.

A batch is a short burst of work for SQLite (WAL, no fsync per commit), shorter than the
event-loop round trip an async driver pays per statement or the wait of a worker thread for
the GIL under load. Checkpoints, the one slow step, run in a worker thread instead.

This module is the service's one speed seam on the write path: INSERTs compiled once and run
with the driver's own `executemany` (see `SqliteInserts`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import anyio.to_thread
from sqlalchemy import Connection, Dialect, Engine, Table, create_engine, event, insert
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from app.db.engine import sqlite_tuning
from app.db.operations import Execute, Operation, Row


@dataclass(frozen=True, slots=True)
class _Conversion:
    position: int
    convert: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _CompiledInsert:
    sql: str
    values_of: Callable[[Row], tuple[Any, ...]]
    conversions: tuple[_Conversion, ...]

    def parameters(self, rows: list[Row]) -> list[tuple[Any, ...]] | list[list[Any]]:
        """Each row's values in the statement's order, converted where the column type says
        so (timestamps), by the column type's own SQLAlchemy bind processor."""
        values_of = self.values_of
        if not self.conversions:
            return [values_of(row) for row in rows]
        parameters = []
        for row in rows:
            values = list(values_of(row))
            for conversion in self.conversions:
                values[conversion.position] = conversion.convert(values[conversion.position])
            parameters.append(values)
        return parameters


class SqliteInserts:
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
            conversions = []
            for position, column in enumerate(columns):
                column_type = table.c[column].type.dialect_impl(self._dialect)
                convert = column_type.bind_processor(self._dialect)
                if convert is not None:
                    conversions.append(_Conversion(position, convert))
            found = self._compiled[(table.name, keys)] = _CompiledInsert(
                str(compiled), _values_getter(columns), tuple(conversions)
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
                        compiled.sql,
                        parameters,
                        exc,
                        self._dialect.loaded_dbapi.Error,
                        hide_parameters=True,
                    ) from exc
        finally:
            cursor.close()


def _values_getter(columns: tuple[str, ...]) -> Callable[[Row], tuple[Any, ...]]:
    if len(columns) == 1:  # itemgetter of one key returns the bare value
        (column,) = columns
        return lambda row: (row[column],)
    return itemgetter(*columns)


class SqliteWrites:
    def __init__(self, url: URL, *, timeout_seconds: float) -> None:
        self._engine = create_engine(
            url.set(drivername="sqlite"),
            connect_args={"check_same_thread": False},
            hide_parameters=True,
        )
        event.listen(self._engine, "connect", sqlite_tuning(timeout_seconds))
        event.listen(self._engine, "connect", _no_automatic_checkpoints)
        self._inserts = SqliteInserts(self._engine.dialect)
        self._batches_since_checkpoint = 0
        # The writer's own connection, held open: no pool checkout per batch.
        self._connection: Connection | None = None

    async def execute(self, operations: Sequence[Operation]) -> None:
        if self._connection is None:
            self._connection = self._engine.connect()
        try:
            with self._connection.begin():
                self._inserts.run(self._connection, operations)
        except Exception:
            # Rolled back; a fresh connection next time, should this one be broken.
            self._close_connection()
            raise
        self._batches_since_checkpoint += 1
        if self._batches_since_checkpoint >= CHECKPOINT_EVERY_BATCHES:
            self._batches_since_checkpoint = 0
            await anyio.to_thread.run_sync(_checkpoint, self._engine)

    def close(self) -> None:
        self._close_connection()
        self._engine.dispose()

    def _close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


CHECKPOINT_EVERY_BATCHES = 200


def _no_automatic_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    """A commit that crosses the WAL size limit would checkpoint (and fsync) on the loop."""
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _checkpoint(engine: Engine) -> None:
    """Copies the WAL back into the database without blocking readers or the next batch."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
