"""Request and response bodies of `/api/chat` and `/api/conversations`."""

from datetime import datetime

from pydantic import BaseModel, Field

from app.llm.base import Role


class ChatMessageIn(BaseModel):
    role: Role
    content: str = Field(min_length=1)


class ChatRequest(BaseModel):
    messages: list[ChatMessageIn] = Field(min_length=1)
    model: str | None = Field(default=None, max_length=100)
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    stream: bool = False
    conversation_id: str | None = Field(
        default=None,
        max_length=64,
        description="Continue this conversation: send only the new messages, history is stored",
    )
    use_knowledge: bool = False


class UsagePublic(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float


class ChatReply(BaseModel):
    content: str
    usage: UsagePublic
    conversation_id: str
    model: str
    finish_reason: str
    cached: bool = False


class BatchRequest(BaseModel):
    prompts: list[str] = Field(min_length=1)
    system: str | None = None
    model: str | None = Field(default=None, max_length=100)
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)


class BatchItem(BaseModel):
    index: int
    content: str | None = None
    usage: UsagePublic | None = None
    error: str | None = None


class BatchReply(BaseModel):
    items: list[BatchItem]
    succeeded: int
    failed: int


class MessagePublic(BaseModel):
    role: str
    content: str
    created_at: datetime


class ConversationSummary(BaseModel):
    id: str
    title: str
    model: str
    created_at: datetime
    updated_at: datetime


class ConversationPublic(ConversationSummary):
    messages: list[MessagePublic]


class ConversationsPublic(BaseModel):
    items: list[ConversationSummary]
    count: int
