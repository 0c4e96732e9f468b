"""A deterministic streaming model: tests and a first run need no key and no network.

It answers with a fixed sentence that quotes the last user message, word by word, with an
optional delay per word so the stream looks (and times) like a real one. The rest is
deterministic too, so agents and typed clients can be tried offline:

- Tools: it calls an offered tool when the last message is the user's and names the tool
  (its exact name, as a word: "use get_weather"); several named tools are called together
  unless `parallel_tool_calls` is false (then the first named). `tool_choice` "required"
  calls the first offered tool if none is named, a chosen function is always called, and
  "none" never calls one. The arguments are an instance of the tool's parameter schema
  (`app.llm.json_example`).
- After tool results (the last message is a `tool` one) it answers with what they said:
  "... The tool get_weather returned: Sunny."
- JSON: with a `json_schema` format the answer is an instance of the schema; with
  `json_object` it is `{"answer": "<the sentence>"}`.
"""

import json
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import anyio

from app.core.ids import random_hex
from app.llm.base import (
    Completion,
    CompletionRequest,
    Message,
    ModelStream,
    UpstreamRejected,
    Usage,
)
from app.llm.json_example import UnusableSchema, example_of
from app.llm.tokens import estimate_messages_tokens, estimate_tokens
from app.llm.tools import StreamDelta, ToolCall, ToolCallDelta, ToolSpec
from app.settings import Settings

_WORDS = re.compile(r"\s*\S+")
PREAMBLE = "This is the fake model (set LLM_PROVIDER and an API key for a real one)."


@dataclass(frozen=True, slots=True)
class FakeAnswer:
    pieces: list[str]  # the text, as word tokens
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str

    @property
    def completion_tokens(self) -> int:
        calls = sum(estimate_tokens(c.name + c.arguments) for c in self.tool_calls)
        return len(self.pieces) + calls


def fake_reply(request: CompletionRequest) -> str:
    if request.messages and request.messages[-1].role == "tool":
        return f"{PREAMBLE} {_tool_results(request.messages)}"
    last_user = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    return f"{PREAMBLE} You said: {last_user}"


def _tool_results(messages: Sequence[Message]) -> str:
    names = {call.id: call.name for m in messages for call in m.tool_calls}
    results = []
    for message in reversed(messages):
        if message.role != "tool":
            break
        name = names.get(message.tool_call_id or "", message.tool_call_id or "a tool")
        results.append(f"The tool {name} returned: {message.content}")
    return " ".join(reversed(results))


def _called_tools(request: CompletionRequest) -> list[ToolSpec]:
    choice = request.tool_choice
    if not request.tools or (choice is not None and choice.mode == "none"):
        return []
    if choice is not None and choice.mode == "function":
        return [tool for tool in request.tools if tool.name == choice.name][:1]
    last = request.messages[-1] if request.messages else None
    named: list[ToolSpec] = []
    if last is not None and last.role == "user":
        positions = {tool.name: _position(tool.name, last.content) for tool in request.tools}
        named = sorted(
            (tool for tool in request.tools if positions[tool.name] >= 0),
            key=lambda tool: positions[tool.name],
        )
    if not named and choice is not None and choice.mode == "required":
        named = [request.tools[0]]
    return named[:1] if request.parallel_tool_calls is False else named


def _position(name: str, text: str) -> int:
    found = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE)
    return found.start() if found else -1


def fake_answer(request: CompletionRequest) -> FakeAnswer:
    """The whole answer: tool calls, or text cut at `max_tokens` like a real model would."""
    tools = _called_tools(request)
    if tools:
        calls = tuple(
            ToolCall(
                f"call_{random_hex(12)}", tool.name, _json_instance(tool.parameters, tool.name)
            )
            for tool in tools
        )
        return FakeAnswer([], calls, "tool_calls")
    text = fake_reply(request)
    response_format = request.response_format
    if response_format is not None and response_format.type == "json_schema":
        text = _json_instance(response_format.schema or {}, response_format.name)
    elif response_format is not None:
        text = json.dumps({"answer": text})
    pieces = _WORDS.findall(text)
    if request.max_tokens is not None and len(pieces) > request.max_tokens:
        return FakeAnswer(pieces[: request.max_tokens], (), "length")
    return FakeAnswer(pieces, (), "stop")


def _json_instance(schema: dict[str, Any], name: str) -> str:
    """As a real provider would, a schema no instance can be made of is a refused request."""
    try:
        return json.dumps(example_of(schema))
    except UnusableSchema as exc:
        raise UpstreamRejected(
            f"The model provider refused the request: the schema of {name!r} is unusable ({exc})"
        ) from exc


def _prompt_tokens(request: CompletionRequest) -> int:
    return estimate_messages_tokens(
        m.content + "".join(c.name + c.arguments for c in m.tool_calls) for m in request.messages
    )


def _fragments(index: int, call: ToolCall) -> list[ToolCallDelta]:
    """A call as OpenAI streams one: id and name first, then the arguments in pieces."""
    half = len(call.arguments) // 2
    pieces = [call.arguments[:half], call.arguments[half:]]
    return [
        ToolCallDelta(index, call.id, call.name),
        *(ToolCallDelta(index, arguments=piece) for piece in pieces if piece),
    ]


class FakeStream(ModelStream):
    def __init__(self, request: CompletionRequest, answer: FakeAnswer, delay: float) -> None:
        super().__init__(request.model)
        self._request = request
        self._answer = answer
        self._delay = delay

    async def _deltas(self) -> AsyncIterator[StreamDelta]:
        answer = self._answer
        for piece in answer.pieces:
            if self._delay:
                await anyio.sleep(self._delay)
            yield piece
        for index, call in enumerate(answer.tool_calls):
            for fragment in _fragments(index, call):
                if self._delay:
                    await anyio.sleep(self._delay)
                yield fragment
        self.usage = Usage(_prompt_tokens(self._request), answer.completion_tokens)
        self.finish_reason = answer.finish_reason


class FakeChatModel:
    provider = "fake"

    def __init__(self, *, delay_seconds: float = 0.0) -> None:
        self._delay = delay_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> "FakeChatModel":
        return cls(delay_seconds=settings.fake_llm_delay_ms / 1000)

    async def complete(self, request: CompletionRequest) -> Completion:
        answer = fake_answer(request)
        if self._delay:  # as long as streaming the same answer would take
            await anyio.sleep(self._delay * len(answer.pieces))
        return Completion(
            content="".join(answer.pieces),
            model=request.model,
            usage=Usage(_prompt_tokens(request), answer.completion_tokens),
            finish_reason=answer.finish_reason,
            tool_calls=answer.tool_calls,
        )

    async def open_stream(self, request: CompletionRequest) -> ModelStream:
        """The answer is decided here, so a refused request fails before the stream starts."""
        return FakeStream(request, fake_answer(request), self._delay)

    async def aclose(self) -> None:
        return None
