"""Writes usage records and sums them per owner and model."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.db.base import table_of
from app.db.operations import Insert
from app.usage.models import UsageRecord


def usage_insert(
    *,
    owner_id: str,
    provider: str,
    model: str,
    endpoint: str,
    prompt_tokens: int,
    completion_tokens: int,
    cost_usd: float,
    conversation_id: str | None = None,
    created_at: datetime | None = None,
) -> Insert:
    row = {
        "owner_id": owner_id,
        "provider": provider,
        "model": model,
        "endpoint": endpoint,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "cost_usd": cost_usd,
        "conversation_id": conversation_id,
        "created_at": created_at or utcnow(),
    }
    return Insert(table_of(UsageRecord), [row])


@dataclass(frozen=True, slots=True)
class UsageTotal:
    """One owner's use of one model over a period."""

    owner_id: str
    model: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


async def summarize(
    session: AsyncSession, *, since: datetime, owner_id: str | None
) -> list[UsageTotal]:
    """Totals per owner and model since `since`; one owner's only, when `owner_id` is given."""
    query = (
        select(
            UsageRecord.owner_id,
            UsageRecord.model,
            func.count(),
            func.coalesce(func.sum(UsageRecord.prompt_tokens), 0),
            func.coalesce(func.sum(UsageRecord.completion_tokens), 0),
            func.coalesce(func.sum(UsageRecord.cost_usd), 0.0),
        )
        .where(UsageRecord.created_at >= since)
        .group_by(UsageRecord.owner_id, UsageRecord.model)
        .order_by(UsageRecord.owner_id, UsageRecord.model)
    )
    if owner_id is not None:
        query = query.where(UsageRecord.owner_id == owner_id)
    rows = await session.execute(query)
    return [
        UsageTotal(owner, model, int(n), int(prompt), int(completion), float(cost))
        for owner, model, n, prompt, completion, cost in rows
    ]
