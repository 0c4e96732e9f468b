"""What a chat turn is made of: where it came from, what goes to the model, what came back."""

from dataclasses import dataclass

from app.chat.retrieval import Citation
from app.llm.base import CompletionRequest, Message, Usage


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A way in. Conversational endpoints store the turn in a conversation and expect the
    user to speak last; the others (batch, the OpenAI-compatible API) are stateless."""

    name: str  # recorded with each usage row
    conversational: bool


CHAT = Endpoint("chat", conversational=True)
WEBSOCKET = Endpoint("ws.chat", conversational=True)
BATCH = Endpoint("chat.batch", conversational=False)
OPENAI = Endpoint("v1.chat.completions", conversational=False)


@dataclass(frozen=True, slots=True)
class PreparedChat:
    """Everything a model call needs, resolved before any byte of the answer is sent."""

    owner_id: str
    endpoint: Endpoint
    completion: CompletionRequest
    new_messages: tuple[Message, ...]
    conversation_id: str | None = None  # None: stateless, nothing but usage is stored
    is_new_conversation: bool = False
    cache_key: str | None = None
    # With use_knowledge: the passages the answer may draw on (empty when none matched).
    citations: tuple[Citation, ...] | None = None

    @property
    def model(self) -> str:
        return self.completion.model


@dataclass(frozen=True, slots=True)
class ChatResult:
    content: str
    usage: Usage
    cost_usd: float
    finish_reason: str
    cached: bool = False
