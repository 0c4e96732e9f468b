"""Conversations and their messages."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.ids import new_id
from app.db.base import Base, CreatedAtMixin


class Conversation(CreatedAtMixin, Base):
    __tablename__ = "conversations"
    # Serves "my conversations, most recent first".
    __table_args__ = (Index("ix_conversations_owner_id_updated_at", "owner_id", "updated_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    messages: Mapped[list["StoredMessage"]] = relationship(
        back_populates="conversation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="StoredMessage.id",
        lazy="raise",
    )


class StoredMessage(CreatedAtMixin, Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    # An assistant message's tool calls ([{id, name, arguments}]); a tool message's call id.
    tool_calls: Mapped[list[dict[str, str]] | None] = mapped_column(JSON(none_as_null=True))
    tool_call_id: Mapped[str | None] = mapped_column(String(128))
    # An answer's id in the Responses API, so a later request can refer to it.
    item_id: Mapped[str | None] = mapped_column(String(64), index=True)
    conversation: Mapped[Conversation] = relationship(back_populates="messages", lazy="raise")
