"""Usage summaries per owner and model, and what is left of the caller's limits."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.core.text import ClientModel, NumberOnly
from app.limits.quota import Quota
from app.limits.service import LimitsStatus

# At most what the budgets table's integer column holds (more was a 500 on PostgreSQL).
TokenBudget = Annotated[int, Field(ge=0, le=2**31 - 1, strict=False), NumberOnly]


class UsageRow(BaseModel):
    owner_id: str
    model: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float


class QuotaPublic(BaseModel):
    limit: float
    remaining: float
    reset_at: datetime

    @classmethod
    def of(cls, quota: Quota | None) -> "QuotaPublic | None":
        if quota is None:
            return None
        reset_at = datetime.fromtimestamp(quota.reset_at, UTC)
        return cls(limit=quota.limit, remaining=max(0.0, quota.remaining), reset_at=reset_at)


class LimitsPublic(BaseModel):
    """The caller's own limits; `null` where a limit is switched off."""

    requests_per_minute: QuotaPublic | None
    tokens_per_day: QuotaPublic | None
    cost_per_day: QuotaPublic | None

    @classmethod
    def of(cls, status: LimitsStatus) -> "LimitsPublic":
        return cls(
            requests_per_minute=QuotaPublic.of(status.requests_per_minute),
            tokens_per_day=QuotaPublic.of(status.tokens_per_day),
            cost_per_day=QuotaPublic.of(status.cost_per_day),
        )


class UsageSummary(BaseModel):
    owner_id: str = Field(description="The caller, as usage rows and budgets name it")
    since: datetime
    items: list[UsageRow]
    total_tokens: int
    cost_usd: float
    limits: LimitsPublic


class BudgetUpdate(ClientModel):
    """`null` restores the service's default; 0 means no limit."""

    tokens_per_day: TokenBudget | None = None
    cost_per_day: float | None = Field(default=None, ge=0, le=10**9)


class BudgetPublic(BaseModel):
    owner_id: str
    tokens_per_day: int
    cost_per_day: float
    limits: LimitsPublic
