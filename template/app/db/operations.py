"""What a write is made of: inserts of rows and single statements, and how a batch of them
is ordered so that several requests' rows go into each table in one statement."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Connection, Executable, Table, insert

from app.db.base import Base

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


def run_operations(connection: Connection, operations: Sequence[Operation]) -> None:
    for operation in operations:
        if isinstance(operation, Insert):
            connection.execute(insert(operation.table), operation.rows)
        else:
            connection.execute(operation.statement, operation.params)
