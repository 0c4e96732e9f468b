"""The declarative base every table derives from, with naming conventions Alembic relies on."""

import time
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import DateTime, MetaData, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.core.randomness import random_hex

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True)}


def table_of(model: type[Base]) -> Table:
    """A mapped class's table, typed as one (SQLAlchemy types `__table__` loosely)."""
    return cast(Table, model.__table__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """32 hex digits: the time in milliseconds (48 bits), then 80 random bits.

    UUIDv7's layout: new rows land at the end of the primary key index rather than on a
    random page, which halves the cost of an insert on SQLite (fewer pages written per
    commit) and keeps PostgreSQL's index compact; 80 random bits keep ids unguessable.
    """
    return f"{time.time_ns() // 1_000_000:012x}{random_hex(10)}"


class CreatedAtMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
