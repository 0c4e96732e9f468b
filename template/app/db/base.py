"""The declarative base every table derives from, with naming conventions Alembic relies on."""

from datetime import datetime
from typing import Any, ClassVar, cast

from sqlalchemy import DateTime, MetaData, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.core.clock import utcnow

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


class CreatedAtMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
