"""Usage summaries, per owner and model."""

from datetime import datetime

from pydantic import BaseModel


class UsageRow(BaseModel):
    owner_id: str
    model: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float


class UsageSummary(BaseModel):
    since: datetime
    items: list[UsageRow]
    total_tokens: int
    cost_usd: float
