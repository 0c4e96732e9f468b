"""The group-commit writer: concurrent writes share transactions, yet each succeeds or fails
on its own, and shutdown loses nothing."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import anyio
import anyio.lowlevel
import pytest
from sqlalchemy import Column, DateTime, MetaData, Table, func, select
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.chat import store
from app.chat.models import StoredMessage
from app.core.clock import utcnow
from app.core.ids import new_id
from app.core.metrics import Metrics
from app.db.engine import create_engine
from app.db.operations import Insert, Operation
from app.db.sqlite_writes import SqliteInserts
from app.db.writer import BatchWriter, Stored, WriterClosed
from app.llm.base import Message
from app.settings import Settings
from app.usage.models import UsageRecord
from app.usage.store import usage_insert

pytestmark = pytest.mark.anyio


def usage(
    owner: str = "writer-test", cost_usd: float = 0.0, created_at: datetime | None = None
) -> Insert:
    return usage_insert(
        owner_id=owner,
        provider="fake",
        model="m",
        endpoint="test",
        prompt_tokens=1,
        completion_tokens=2,
        cost_usd=cost_usd,
        created_at=created_at,
    )


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def writer(engine: AsyncEngine, metrics: Metrics) -> AsyncIterator[BatchWriter]:
    writer = BatchWriter(engine, metrics=metrics)
    async with anyio.create_task_group() as group:
        group.start_soon(writer.run)
        yield writer
        writer.close()


async def count(engine: AsyncEngine, model: type[UsageRecord] | type[StoredMessage]) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(model)) or 0)


async def test_concurrent_writes_share_commits(
    writer: BatchWriter, engine: AsyncEngine, metrics: Metrics
) -> None:
    async with anyio.create_task_group() as group:
        for _ in range(60):
            group.start_soon(writer.write, usage())
    assert await count(engine, UsageRecord) == 60
    assert metrics.registry.get_sample_value("db_writes_total") == 60
    batches = metrics.registry.get_sample_value("db_write_batches_total")
    assert batches is not None
    assert batches < 60 / 4, "writes should have been grouped"


async def test_a_bad_write_fails_alone(writer: BatchWriter, engine: AsyncEngine) -> None:
    bad = store.exchange_operations(
        owner_id="x",
        conversation_id="does-not-exist",  # no such conversation: the FK refuses the messages
        is_new=False,
        model="m",
        messages=[Message("user", "hi")],
    )
    outcomes: dict[str, BaseException | None] = {}

    async def attempt(name: str, *operations: Operation) -> None:
        try:
            await writer.write(*operations)
            outcomes[name] = None
        except Exception as exc:
            outcomes[name] = exc

    async with anyio.create_task_group() as group:
        group.start_soon(attempt, "good-1", usage())
        group.start_soon(attempt, "bad", *bad)
        group.start_soon(attempt, "good-2", usage())
    assert outcomes["good-1"] is None
    assert outcomes["good-2"] is None
    assert isinstance(outcomes["bad"], IntegrityError)
    assert await count(engine, UsageRecord) == 2
    assert await count(engine, StoredMessage) == 0


async def test_fallback_keeps_what_must_not_be_lost(
    writer: BatchWriter, engine: AsyncEngine
) -> None:
    record = usage()
    turn = store.exchange_operations(
        owner_id="x",
        conversation_id="deleted-meanwhile",
        is_new=False,
        model="m",
        messages=[Message("user", "hi"), Message("assistant", "hello")],
    )
    stored = await writer.write(record, *turn, fallback=[record])
    assert stored is Stored.FALLBACK  # the caller learns that only the fallback was stored
    assert await count(engine, UsageRecord) == 1
    assert await count(engine, StoredMessage) == 0


async def test_close_commits_everything_queued(engine: AsyncEngine) -> None:
    writer = BatchWriter(engine, metrics=Metrics())
    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(writer.write, usage())
        await anyio.lowlevel.checkpoint()  # all twenty are queued before the writer ever runs
        writer.close()
        group.start_soon(writer.run)
    assert await count(engine, UsageRecord) == 20
    with pytest.raises(WriterClosed):
        await writer.write(usage())


async def test_rows_read_back_exactly_as_written(writer: BatchWriter, engine: AsyncEngine) -> None:
    """Timestamps shared by a turn's rows, or not, come back as the ORM itself would store them."""
    shared = utcnow()
    alone = shared + timedelta(seconds=1, microseconds=7)
    turn = store.exchange_operations(
        owner_id="x",
        conversation_id=new_id(),
        is_new=True,
        model="m",
        messages=[Message("user", "hi"), Message("assistant", "hello")],
        at=shared,
    )
    first = usage("x", cost_usd=0.5, created_at=shared)
    second = usage("y", cost_usd=0.25, created_at=alone)
    await writer.write(first, second, *turn)
    async with engine.connect() as connection:
        usage_rows = (
            await connection.execute(
                select(UsageRecord.owner_id, UsageRecord.cost_usd, UsageRecord.created_at).order_by(
                    UsageRecord.owner_id
                )
            )
        ).all()
        message_times = (await connection.scalars(select(StoredMessage.created_at))).all()
    assert [(owner, cost, as_utc(at)) for owner, cost, at in usage_rows] == [
        ("x", 0.5, shared),
        ("y", 0.25, alone),
    ]
    assert [as_utc(at) for at in message_times] == [shared, shared]


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive UTC, PostgreSQL aware datetimes."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def test_each_column_stores_a_value_in_its_own_format() -> None:
    """The compiled INSERTs convert values with each column type's own bind processor."""
    metadata = MetaData()
    default = Table("default_format", metadata, Column("at", DateTime()))
    date_only_type = sqlite.DATETIME(storage_format=DATE_ONLY)  # type: ignore[no-untyped-call]
    dates_only = Table("dates_only", metadata, Column("at", date_only_type))
    engine = create_sync_engine("sqlite://")
    metadata.create_all(engine)
    shared = datetime(2026, 1, 2, 3, 4, 5, 6)
    with engine.begin() as connection:
        SqliteInserts(engine.dialect).run(
            connection,
            [Insert(default, [{"at": shared}]), Insert(dates_only, [{"at": shared}])],
        )
        stored = [
            connection.exec_driver_sql(f"SELECT at FROM {table}").scalar_one()
            for table in ("default_format", "dates_only")
        ]
    engine.dispose()
    assert stored == ["2026-01-02 03:04:05.000006", "2026-01-02"]


DATE_ONLY = "%(year)04d-%(month)02d-%(day)02d"
