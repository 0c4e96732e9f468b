"""What a chat turn is made of: where it came from, what goes to the model, what came back."""

from dataclasses import dataclass

from app.auth.owner import Owner
from app.chat.retrieval import Citation
from app.llm.base import CompletionRequest, Message, Usage
from app.llm.prompt_guard import CLEAN, Verdict
from app.llm.tools import ToolCall


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A way in.

    Conversational endpoints store the turn in a conversation. The service's own endpoints put
    its system prompt first and refuse clients' system messages, and the conversational ones
    take only the user's new messages and tool results (the rest is stored history). The
    OpenAI-compatible APIs keep OpenAI's meaning: the client's messages are the prompt (after
    the stored conversation, for a stored Responses API response).
    """

    name: str  # recorded with each usage row
    conversational: bool
    owns_system_prompt: bool = True


CHAT = Endpoint("chat", conversational=True)
WEBSOCKET = Endpoint("ws.chat", conversational=True)
BATCH = Endpoint("chat.batch", conversational=False)
OPENAI = Endpoint("v1.chat.completions", conversational=False, owns_system_prompt=False)
# The Responses API stores a response as a conversation unless the request says `store: false`;
# its input may hold assistant turns and tool calls too, as at OpenAI.
RESPONSES = Endpoint("v1.responses", conversational=True, owns_system_prompt=False)
RESPONSES_UNSTORED = Endpoint("v1.responses", conversational=False, owns_system_prompt=False)


@dataclass(frozen=True, slots=True)
class PreparedChat:
    """Everything a model call needs, resolved before any byte of the answer is sent."""

    owner: Owner
    endpoint: Endpoint
    completion: CompletionRequest
    new_messages: tuple[Message, ...]
    conversation_id: str | None = None  # None: stateless, nothing but usage is stored
    is_new_conversation: bool = False
    cache_key: str | None = None
    # With use_knowledge: the passages the answer may draw on (empty when none matched).
    citations: tuple[Citation, ...] | None = None
    guard: Verdict = CLEAN  # what the prompt-injection guard saw in the new messages
    reply_item_id: str | None = None  # stored with the answer, for Responses API item references

    @property
    def owner_id(self) -> str:
        return self.owner.id

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
    tool_calls: tuple[ToolCall, ...] = ()
