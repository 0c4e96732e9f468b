"""The subset of OpenAI's Chat Completions API the service speaks, shaped like OpenAI's own."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.chat.schemas import ChatMessageIn, ChatRequest, Citations, invalid_field
from app.llm.base import Role

DEFAULT_TEMPERATURE = 1.0  # OpenAI's own default


class TextPart(BaseModel):
    type: Literal["text"]
    text: str


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""

    def chat_role(self) -> Role:
        if self.role == "user" or self.role == "assistant":
            return self.role
        return "system"  # OpenAI's "developer" messages are system messages by another name


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """Unknown OpenAI parameters (top_p, user, seed, ...) are accepted and ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(max_length=100)
    messages: list[OpenAIMessage] = Field(min_length=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: Literal[1] = 1
    use_knowledge: bool = Field(
        default=False, description="Not an OpenAI parameter: answer from the knowledge base"
    )

    def to_chat_request(self) -> ChatRequest:
        """The same request in the chat service's terms, so every rule applies to it too."""
        messages = []
        for index, message in enumerate(self.messages):
            try:
                messages.append(ChatMessageIn(role=message.chat_role(), content=message.text()))
            except ValidationError as exc:
                raise invalid_field(
                    ("messages", index, "content"), exc.errors()[0]["msg"]
                ) from None
        return ChatRequest(
            messages=messages,
            model=self.model,
            temperature=DEFAULT_TEMPERATURE if self.temperature is None else self.temperature,
            max_tokens=self.max_completion_tokens or self.max_tokens,
            stream=self.stream,
            use_knowledge=self.use_knowledge,
        )


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: str


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: CompletionUsage
    # Not an OpenAI field: with use_knowledge, the sources the answer may draw on.
    citations: Citations = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
