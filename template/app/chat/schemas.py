"""Request and response bodies of `/api/chat`, `/api/chat/batch` and `/api/conversations`,
and the shapes errors about them take."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.chat.retrieval import Citation
from app.chat.tool_schemas import (
    MAX_CALL_ID_LENGTH,
    ResponseFormatIn,
    ToolCallPublic,
    ToolChoiceIn,
    ToolIn,
)
from app.chat.turn import ChatResult, PreparedChat
from app.core.errors import ApiError
from app.core.openapi import errors
from app.core.text import ClientId, ClientModel, ClientText, Prompt, TokenLimit
from app.llm.base import Message, Role, Usage

# What a turn can answer besides its reply, on every chat transport: a refused request (400),
# a conversation that is not the caller's (404), a spent budget (429), a model that failed
# (502) or timed out (504), a database that cannot store the turn (503).
TURN_ERRORS = errors(400, 404, 429, 502, 503, 504)


class ChatMessageIn(ClientModel):
    role: Role
    content: ClientText | None = Field(
        default=None,
        description="Required, except on an assistant message that carries tool_calls",
    )
    tool_calls: list[ToolCallPublic] | None = Field(
        default=None, description="On an assistant message: the tool calls it made"
    )
    tool_call_id: ClientText | None = Field(
        default=None,
        max_length=MAX_CALL_ID_LENGTH,
        description="On a tool message: the call whose result this is",
    )

    def message(self) -> Message:
        calls = tuple(call.call() for call in self.tool_calls or ())
        return Message(self.role, self.content or "", calls, self.tool_call_id)


class ChatRequest(ClientModel):
    messages: list[ChatMessageIn] = Field(min_length=1)
    model: ClientText | None = Field(default=None, max_length=100)
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: TokenLimit | None = None
    stream: bool = False
    conversation_id: ClientId | None = Field(
        default=None,
        max_length=64,
        description="Continue this conversation: send only the new messages, history is stored",
    )
    use_knowledge: bool = Field(
        default=False, description="Answer from the knowledge base, citing its sources"
    )
    instructions: ClientText | None = Field(
        default=None,
        description="A system prompt for this call only, not stored with the conversation "
        "(a client's system prompt: refused unless CHAT_ALLOW_SYSTEM_MESSAGES)",
    )
    tools: list[ToolIn] | None = Field(default=None, description="Functions the model may call")
    tool_choice: ToolChoiceIn | None = Field(
        default=None, description="auto (default), none, required, or one function by name"
    )
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormatIn | None = Field(
        default=None, description="json_object or json_schema for a JSON answer"
    )


class UsagePublic(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float

    @classmethod
    def of(cls, usage: Usage, cost_usd: float) -> "UsagePublic":
        return cls(
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            total_tokens=usage.total_tokens,
            cost_usd=round(cost_usd, 8),
        )


class CitationPublic(BaseModel):
    document_id: str
    document_name: str
    snippet: str
    score: float
    prompt_guard: list[str] = Field(
        default_factory=list,
        description="Prompt-injection attack families seen in this passage",
    )
    withheld: bool = Field(
        default=False,
        description="Kept out of the prompt as a suspected injection (PROMPT_GUARD=block)",
    )

    @classmethod
    def all_of(cls, citations: tuple[Citation, ...] | None) -> "list[CitationPublic] | None":
        if citations is None:
            return None
        return [
            cls(
                document_id=c.document_id,
                document_name=c.document_name,
                snippet=c.snippet,
                score=c.score,
                prompt_guard=list(c.prompt_guard),
                withheld=c.withheld,
            )
            for c in citations
        ]


def _absent(value: object) -> bool:
    return value is None


# Only with use_knowledge: the sources the answer may draw on (an empty list: none matched).
Citations = Annotated[list[CitationPublic] | None, Field(exclude_if=_absent)]


class ChatReply(BaseModel):
    content: str
    usage: UsagePublic
    conversation_id: str
    model: str
    finish_reason: str
    cached: bool = False
    citations: Citations = None
    prompt_guard: list[str] = Field(
        default_factory=list,
        description="Prompt-injection attack families seen in the request (PROMPT_GUARD=flag)",
    )
    tool_calls: list[ToolCallPublic] = Field(
        default=[], description="Calls the model asks you to make (finish_reason tool_calls)"
    )

    @classmethod
    def of(cls, prepared: PreparedChat, result: ChatResult) -> "ChatReply":
        return cls(
            content=result.content,
            usage=UsagePublic.of(result.usage, result.cost_usd),
            conversation_id=prepared.conversation_id or "",
            model=prepared.model,
            finish_reason=result.finish_reason,
            cached=result.cached,
            citations=CitationPublic.all_of(prepared.citations),
            prompt_guard=list(prepared.guard.attacks),
            tool_calls=[ToolCallPublic.of(call) for call in result.tool_calls],
        )


class BatchRequest(ClientModel):
    prompts: list[Prompt] = Field(min_length=1)
    system: ClientText | None = None
    model: ClientText | None = Field(default=None, max_length=100)
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: TokenLimit | None = None
    use_knowledge: bool = False


class BatchItem(BaseModel):
    index: int
    content: str | None = None
    usage: UsagePublic | None = None
    error: str | None = None
    citations: Citations = None
    prompt_guard: list[str] = Field(default_factory=list)


class BatchReply(BaseModel):
    items: list[BatchItem]
    succeeded: int
    failed: int


class MessagePublic(BaseModel):
    role: str
    content: str
    created_at: datetime
    tool_calls: list[ToolCallPublic] = []
    tool_call_id: str | None = None


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


def guard_headers(prepared: PreparedChat) -> dict[str, str]:
    """`X-Prompt-Guard` names what the guard saw, on answers of every kind (streams too)."""
    if not prepared.guard.flagged:
        return {}
    return {"X-Prompt-Guard": ",".join(prepared.guard.attacks)}


def invalid_field(location: tuple[str | int, ...], requirement: str) -> ApiError:
    """A 422 shaped like FastAPI's own validation errors: `loc` points into the body."""
    where = ".".join(str(part) for part in location)
    return ApiError(
        422,
        f"{where}: {requirement}",
        detail=[{"loc": ["body", *location], "msg": requirement, "type": "value_error"}],
    )
