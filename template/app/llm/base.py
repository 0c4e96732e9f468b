"""The one small protocol every model provider implements, and the errors they raise.

A call is two-phase for streams: `open_stream()` connects (retries, key rotation and upstream
errors happen here, before any byte reaches the client, so they keep their HTTP status), then
the returned `ModelStream` yields text (and tool-call fragments) as it arrives. Closing the
stream closes the upstream HTTP response, so a client that goes away stops the tokens (and the
bill) at once. Tools and structured output are described in `app.llm.tools`.
"""

import math
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from app.core.errors import ApiError
from app.llm.tools import ResponseFormat, StreamDelta, ToolCall, ToolChoice, ToolSpec

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True, slots=True)
class Message:
    """An assistant message may carry `tool_calls` (its content then often empty); a `tool`
    message is the result of the call named by `tool_call_id`."""

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    messages: Sequence[Message]
    model: str
    temperature: float = 0.7
    max_tokens: int | None = None
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: ToolChoice | None = None  # None: the provider's default (auto)
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None  # None: plain text


@dataclass(slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Completion:
    content: str
    model: str
    usage: Usage
    finish_reason: str = "stop"  # "tool_calls" when the model asks for tool calls
    tool_calls: tuple[ToolCall, ...] = ()


class ModelStream(ABC):
    """Deltas of one streamed answer (text, or tool-call fragments); `usage` is filled as
    the upstream reports it."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self._closed = False
        self._on_close: list[Callable[[], None]] = []

    def __aiter__(self) -> AsyncIterator[StreamDelta]:
        return self._deltas()

    @abstractmethod
    def _deltas(self) -> AsyncIterator[StreamDelta]: ...

    def on_close(self, callback: Callable[[], None]) -> None:
        """Runs `callback` once the stream is closed (the outbound limiter frees its slot)."""
        self._on_close.append(callback)

    async def aclose(self) -> None:
        """Idempotent; safe to call from a `finally` after a client disconnect."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._close()
        finally:
            for callback in self._on_close:
                callback()

    async def _close(self) -> None:
        return None


class ChatModel(Protocol):
    provider: str

    async def complete(self, request: CompletionRequest) -> Completion: ...

    async def open_stream(self, request: CompletionRequest) -> ModelStream: ...

    async def aclose(self) -> None: ...


class LLMError(ApiError):
    """An upstream failure, mapped to the status our client sees (never a bare 500)."""

    default_status = 502

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        headers = {"Retry-After": str(math.ceil(retry_after))} if retry_after else None
        super().__init__(self.default_status, message, headers=headers)
        self.retry_after = retry_after


class UpstreamTimeout(LLMError):
    default_status = 504


class UpstreamUnavailable(LLMError):
    """Connection failures, 5xx and rate limits that outlasted our retries."""


class UpstreamRejected(LLMError):
    """The provider refused the request itself (e.g. context too long): the caller's to fix."""

    default_status = 400


class ProviderBusy(LLMError):
    """Our own outbound limit: too many calls already in flight towards the provider."""

    default_status = 503
