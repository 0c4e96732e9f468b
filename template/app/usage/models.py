"""One row per model call: who, which model, how many tokens, what it cost."""

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, CreatedAtMixin


class UsageRecord(CreatedAtMixin, Base):
    """Written on every model call, so it carries the one index its queries need."""

    __tablename__ = "usage_records"
    __table_args__ = (Index("ix_usage_records_owner_id_created_at", "owner_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    owner_id: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(100))
    endpoint: Mapped[str] = mapped_column(String(64))
    prompt_tokens: Mapped[int]
    completion_tokens: Mapped[int]
    cost_usd: Mapped[float] = mapped_column(Float)
    conversation_id: Mapped[str | None] = mapped_column(String(32))
