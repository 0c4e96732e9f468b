"""A deterministic streaming model: tests and a first run need no key and no network.

It answers with a fixed sentence that quotes the last user message, word by word, with an
optional delay per word so the stream looks (and times) like a real one.
"""

import re
from collections.abc import AsyncIterator

import anyio

from app.llm.base import Completion, CompletionRequest, ModelStream, Usage
from app.llm.tokens import estimate_messages_tokens
from app.settings import Settings

_WORDS = re.compile(r"\s*\S+")


def fake_reply(request: CompletionRequest) -> str:
    last_user = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    return (
        "This is the fake model (set LLM_PROVIDER and an API key for a real one). "
        f"You said: {last_user}"
    )


def fake_pieces(request: CompletionRequest) -> tuple[list[str], str]:
    """The reply split into word tokens, cut at `max_tokens` like a real model would."""
    pieces = _WORDS.findall(fake_reply(request))
    if request.max_tokens is not None and len(pieces) > request.max_tokens:
        return pieces[: request.max_tokens], "length"
    return pieces, "stop"


class FakeStream(ModelStream):
    def __init__(self, request: CompletionRequest, delay_seconds: float) -> None:
        super().__init__(request.model)
        self._request = request
        self._delay = delay_seconds

    async def _deltas(self) -> AsyncIterator[str]:
        pieces, finish_reason = fake_pieces(self._request)
        prompt_tokens = estimate_messages_tokens(m.content for m in self._request.messages)
        for piece in pieces:
            if self._delay:
                await anyio.sleep(self._delay)
            yield piece
        self.usage = Usage(prompt_tokens, len(pieces))
        self.finish_reason = finish_reason


class FakeChatModel:
    provider = "fake"

    def __init__(self, *, delay_seconds: float = 0.0) -> None:
        self._delay = delay_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> "FakeChatModel":
        return cls(delay_seconds=settings.fake_llm_delay_ms / 1000)

    async def complete(self, request: CompletionRequest) -> Completion:
        pieces, finish_reason = fake_pieces(request)
        if self._delay:  # as long as streaming the same answer would take
            await anyio.sleep(self._delay * len(pieces))
        prompt_tokens = estimate_messages_tokens(m.content for m in request.messages)
        return Completion(
            content="".join(pieces),
            model=request.model,
            usage=Usage(prompt_tokens, len(pieces)),
            finish_reason=finish_reason,
        )

    async def open_stream(self, request: CompletionRequest) -> ModelStream:
        return FakeStream(request, self._delay)

    async def aclose(self) -> None:
        return None
