"""Budgets an administrator set for one owner, in place of the service-wide defaults."""

from datetime import datetime

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.db.base import Base


class OwnerBudget(Base):
    __tablename__ = "owner_budgets"

    owner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # None: the service's default (TOKEN_BUDGET_PER_DAY, COST_BUDGET_PER_DAY); 0: no limit.
    tokens_per_day: Mapped[int | None] = mapped_column(Integer, default=None)
    cost_per_day: Mapped[float | None] = mapped_column(Float, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
