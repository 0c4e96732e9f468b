"""SQLite writes for the batch writer: on the event loop, with the standard library driver.

A batch is a few hundred microseconds of work (WAL, no fsync per commit), while an async
driver pays an event-loop round trip per statement and a worker thread waits up to 5 ms for
the GIL under load. Checkpoints, the one slow step, run in a worker thread instead.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import anyio.to_thread
from sqlalchemy import Connection, Dialect, Engine, Table, create_engine, event, insert
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeEngine

from app.db.engine import tune_sqlite
from app.db.operations import Execute, Operation, Row


@dataclass(frozen=True, slots=True)
class _Conversion:
    position: int
    kind: str  # the column type with its options: equal kinds convert values alike
    convert: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _CompiledInsert:
    sql: str
    values_of: Callable[[Row], tuple[Any, ...]]
    conversions: tuple[_Conversion, ...]

    def parameters(
        self, rows: list[Row], converted: dict[tuple[str, int], Any]
    ) -> list[tuple[Any, ...]] | list[list[Any]]:
        """Each row's values in the statement's order, converted where the column type says so.

        Few columns need converting (timestamps), and a batch's rows share few distinct
        values there (one timestamp per chat turn, across its tables), so `converted`, kept
        for the whole batch, converts each value object once per column type.
        """
        values_of = self.values_of
        if not self.conversions:
            return [values_of(row) for row in rows]
        parameters = []
        for row in rows:
            values = list(values_of(row))
            for conversion in self.conversions:
                value = values[conversion.position]
                # By identity: the batch's rows keep every value alive until it is written.
                key = (conversion.kind, id(value))
                if key not in converted:
                    converted[key] = conversion.convert(value)
                values[conversion.position] = converted[key]
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
                    conversions.append(_Conversion(position, _kind(column_type), convert))
            found = self._compiled[(table.name, keys)] = _CompiledInsert(
                str(compiled), _values_getter(columns), tuple(conversions)
            )
        return found

    def run(self, connection: Connection, operations: Sequence[Operation]) -> None:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        converted: dict[tuple[str, int], Any] = {}
        try:
            for operation in operations:
                if isinstance(operation, Execute):
                    connection.execute(operation.statement, operation.params)
                    continue
                rows = operation.rows
                compiled = self._compile(operation.table, tuple(rows[0]))
                parameters = compiled.parameters(rows, converted)
                try:
                    cursor.executemany(compiled.sql, parameters)
                except self._dialect.loaded_dbapi.Error as exc:
                    # The same exception types as every other SQLAlchemy call.
                    raise DBAPIError.instance(
                        compiled.sql, parameters, exc, self._dialect.loaded_dbapi.Error
                    ) from exc
        finally:
            cursor.close()


def _kind(column_type: TypeEngine[Any]) -> str:
    """Equal for types that convert values alike: same class, same options (storage formats)."""
    return f"{type(column_type).__qualname__}{sorted(vars(column_type).items())!r}"


def _values_getter(columns: tuple[str, ...]) -> Callable[[Row], tuple[Any, ...]]:
    if len(columns) == 1:  # itemgetter of one key returns the bare value
        (column,) = columns
        return lambda row: (row[column],)
    return itemgetter(*columns)


class SqliteWrites:
    def __init__(self, url: URL) -> None:
        self._engine = create_engine(
            url.set(drivername="sqlite"), connect_args={"check_same_thread": False}
        )
        event.listen(self._engine, "connect", tune_sqlite)
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
