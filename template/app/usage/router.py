"""`GET /api/usage`: tokens and estimated cost per owner and model (admins see everyone),
and what is left of the caller's own rate limit and daily budgets."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.auth.dependencies import OWNER_ERRORS, CurrentOwner
from app.core.clock import utcnow
from app.core.envelope import Envelope, ok
from app.dependencies import DATABASE_ERRORS, SessionDep
from app.limits.dependencies import limits_of
from app.usage import store
from app.usage.schemas import LimitsPublic, UsageRow, UsageSummary

router = APIRouter(
    prefix="/api/usage", tags=["usage"], responses={**OWNER_ERRORS, **DATABASE_ERRORS}
)


@router.get("")
async def get_usage(
    owner: CurrentOwner,
    session: SessionDep,
    request: Request,
    days: Annotated[int, Query(ge=1, le=366, description="Look back this many days")] = 30,
) -> Envelope[UsageSummary]:
    since = utcnow() - timedelta(days=days)
    rows = await store.summarize(
        session, since=since, owner_id=None if owner.is_admin else owner.id
    )
    items = [
        UsageRow(
            owner_id=row.owner_id,
            model=row.model,
            requests=row.requests,
            prompt_tokens=row.prompt_tokens,
            completion_tokens=row.completion_tokens,
            total_tokens=row.prompt_tokens + row.completion_tokens,
            cost_usd=round(row.cost_usd, 6),
        )
        for row in rows
    ]
    return ok(
        UsageSummary(
            owner_id=owner.id,
            since=since,
            items=items,
            total_tokens=sum(item.total_tokens for item in items),
            cost_usd=round(sum(item.cost_usd for item in items), 6),
            limits=LimitsPublic.of(await limits_of(request).status(owner)),
        )
    )
