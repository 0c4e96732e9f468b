"""Conversation persistence: every query is scoped to its owner."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.chat.models import Conversation, StoredMessage
from app.core.clock import utcnow
from app.db.base import table_of
from app.db.operations import Execute, Insert, Operation
from app.llm.base import Message, Role
from app.llm.tools import ToolCall

TITLE_LENGTH = 80


def title_from(messages: Sequence[Message]) -> str:
    first_user = next((m.content for m in messages if m.role == "user"), "New conversation")
    title = " ".join(first_user.split())
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1] + "…"


async def get_owned(
    session: AsyncSession, *, owner_id: str, conversation_id: str, with_messages: bool = False
) -> Conversation | None:
    query = select(Conversation).where(
        Conversation.id == conversation_id, Conversation.owner_id == owner_id
    )
    if with_messages:
        query = query.options(selectinload(Conversation.messages))
    return (await session.scalars(query)).one_or_none()


async def history(session: AsyncSession, *, conversation_id: str) -> list[Message]:
    rows = await session.execute(
        select(
            StoredMessage.role,
            StoredMessage.content,
            StoredMessage.tool_calls,
            StoredMessage.tool_call_id,
        )
        .where(StoredMessage.conversation_id == conversation_id)
        .order_by(StoredMessage.id)
    )
    return [
        Message(cast(Role, role), content, calls_of(tool_calls), tool_call_id)
        for role, content, tool_calls, tool_call_id in rows
    ]


async def replies_owned(
    session: AsyncSession, *, owner_id: str, item_ids: Sequence[str]
) -> dict[str, str]:
    """The text of stored answers by their item id, among the owner's conversations only."""
    rows = await session.execute(
        select(StoredMessage.item_id, StoredMessage.content)
        .join(Conversation, Conversation.id == StoredMessage.conversation_id)
        .where(StoredMessage.item_id.in_(item_ids), Conversation.owner_id == owner_id)
    )
    return {str(item_id): content for item_id, content in rows}


def calls_of(stored: list[dict[str, str]] | None) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(c["id"], c["name"], c["arguments"]) for c in stored or ())


def exchange_operations(
    *,
    owner_id: str,
    conversation_id: str,
    is_new: bool,
    model: str,
    messages: Sequence[Message],
    reply_item_id: str | None = None,
    at: datetime | None = None,
) -> list[Operation]:
    """The writes of one turn: its messages, and the conversation created or touched.

    `reply_item_id` names the last message (the answer), so a later request can refer to it.
    """
    now = at or utcnow()
    if is_new:
        conversation: Operation = Insert(
            table_of(Conversation),
            [
                {
                    "id": conversation_id,
                    "owner_id": owner_id,
                    "title": title_from(messages),
                    "model": model,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
    else:
        conversation = Execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(updated_at=now, model=model)
        )
    last = len(messages) - 1
    rows = [
        {
            "conversation_id": conversation_id,
            "role": m.role,
            "content": m.content,
            "tool_calls": [asdict(c) for c in m.tool_calls] if m.tool_calls else None,
            "tool_call_id": m.tool_call_id,
            "item_id": reply_item_id if index == last else None,
            "created_at": now,
        }
        for index, m in enumerate(messages)
    ]
    return [conversation, Insert(table_of(StoredMessage), rows)]


@dataclass(frozen=True, slots=True)
class ConversationPage:
    rows: list[Conversation]
    count: int  # of all the owner's conversations, not only this page's


async def list_owned(
    session: AsyncSession, *, owner_id: str, limit: int, offset: int
) -> ConversationPage:
    count = await session.scalar(
        select(func.count()).select_from(Conversation).where(Conversation.owner_id == owner_id)
    )
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.owner_id == owner_id)
        .order_by(Conversation.updated_at.desc(), Conversation.id)
        .limit(limit)
        .offset(offset)
    )
    return ConversationPage(list(rows), int(count or 0))


async def delete_owned(session: AsyncSession, *, owner_id: str, conversation_id: str) -> bool:
    result = await session.execute(
        delete(Conversation).where(
            Conversation.id == conversation_id, Conversation.owner_id == owner_id
        )
    )
    return bool(getattr(result, "rowcount", 0))
