"""A local stand-in for the model provider that speaks OpenAI's and Anthropic's HTTP APIs with
real SSE bytes, so tests drive the official SDKs end to end instead of patching our code.

Queue scripted `Reply`s (errors, slow tokens, broken streams, tool calls); every request is
recorded. Tool calls come back the way each API sends them: OpenAI's `tool_calls` (streamed as
`delta.tool_calls` fragments), Anthropic's `tool_use` blocks (streamed as `input_json_delta`).
"""

import json
import re
import threading
import time
import zlib
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

_WORDS = re.compile(r"\s*\S+")


@dataclass
class Call:
    name: str
    arguments: str = "{}"
    id: str = "call_upstream_1"

    @property
    def argument_pieces(self) -> list[str]:
        """The arguments in three pieces, as a model streams them."""
        third = max(len(self.arguments) // 3, 1)
        cuts = [self.arguments[i : i + third] for i in range(0, len(self.arguments), third)]
        return [piece for piece in cuts if piece]


@dataclass
class Reply:
    text: str = "Hello from the upstream model."
    tool_calls: list[Call] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # before answering at all
    chunk_delay: float = 0.0  # between streamed tokens
    break_after: int | None = None  # drop the connection after this many tokens
    prompt_tokens: int = 11

    @property
    def pieces(self) -> list[str]:
        return _WORDS.findall(self.text)

    @property
    def output_tokens(self) -> int:
        return len(self.pieces) + len(self.tool_calls)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when it arrived

    @property
    def credential(self) -> str:
        return self.headers.get("x-api-key") or self.headers.get("authorization", "").removeprefix(
            "Bearer "
        )


class FakeUpstream:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._openai, methods=["POST"]),
                Route("/v1/messages", self._anthropic, methods=["POST"]),
                Route("/v1/embeddings", self._embeddings, methods=["POST"]),
            ]
        )
        self.reset()

    def reset(self) -> None:
        self.script: deque[Reply] = deque()
        self.default = Reply()
        self.requests: list[Recorded] = []
        self.tokens_sent = 0
        self.streams_completed = 0
        self.streams_abandoned = 0

    def queue(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def _next(self) -> Reply:
        with self._lock:
            return self.script.popleft() if self.script else self.default

    async def _record(self, request: Request) -> tuple[Reply, dict[str, Any]]:
        body = await request.json()
        self.requests.append(Recorded(request.url.path, dict(request.headers), body))
        reply = self._next()
        if reply.delay:
            await anyio.sleep(reply.delay)
        return reply, body

    async def _tokens(self, reply: Reply) -> AsyncIterator[str]:
        completed = False
        try:
            for index, piece in enumerate(reply.pieces):
                if reply.break_after is not None and index >= reply.break_after:
                    raise ConnectionAbortedError("fake upstream dropped the stream")
                if reply.chunk_delay:
                    await anyio.sleep(reply.chunk_delay)
                self.tokens_sent += 1
                yield piece
            completed = True
        finally:
            if completed:
                self.streams_completed += 1
            else:
                self.streams_abandoned += 1

    # --- OpenAI ----------------------------------------------------------------------------

    async def _openai(self, request: Request) -> Response:
        reply, body = await self._record(request)
        model = body.get("model", "gpt-test")
        if reply.status != 200:
            error = {"error": {"message": f"upstream says {reply.status}", "type": "error"}}
            return JSONResponse(error, status_code=reply.status, headers=reply.headers)
        usage = {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.prompt_tokens + reply.output_tokens,
        }
        finish_reason = "tool_calls" if reply.tool_calls else "stop"
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
            if reply.tool_calls:
                message["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    }
                    for call in reply.tool_calls
                ]
            return JSONResponse(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
                    "usage": usage,
                }
            )

        async def events() -> AsyncIterator[bytes]:
            def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
                payload = {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
                return f"data: {json.dumps(payload)}\n\n".encode()

            yield chunk({"role": "assistant", "content": ""})
            async for piece in self._tokens(reply):
                yield chunk({"content": piece})
            for index, call in enumerate(reply.tool_calls):
                function = {"name": call.name, "arguments": ""}
                first = {"index": index, "id": call.id, "type": "function", "function": function}
                yield chunk({"tool_calls": [first]})
                for piece in call.argument_pieces:
                    yield chunk(
                        {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                    )
            yield chunk({}, finish_reason)
            if body.get("stream_options", {}).get("include_usage"):
                final = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0}
                final |= {"model": model, "choices": [], "usage": usage}
                yield f"data: {json.dumps(final)}\n\n".encode()
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers=reply.headers)

    # --- OpenAI embeddings ----------------------------------------------------------------

    async def _embeddings(self, request: Request) -> Response:
        """Deterministic vectors: one dimension per distinct word (hashed), so texts sharing
        words are close, as with a real model."""
        reply, body = await self._record(request)
        if reply.status != 200:
            error = {"error": {"message": f"upstream says {reply.status}", "type": "error"}}
            return JSONResponse(error, status_code=reply.status, headers=reply.headers)
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        size = int(body.get("dimensions") or 8)
        data = []
        for index, text in enumerate(texts):
            vector = [0.0] * size
            for word in text.lower().split():
                vector[zlib.crc32(word.encode()) % size] += 1.0
            data.append({"object": "embedding", "index": index, "embedding": vector})
        usage = {"prompt_tokens": sum(len(t.split()) for t in texts), "total_tokens": 0}
        return JSONResponse(
            {"object": "list", "data": data, "model": body.get("model"), "usage": usage}
        )

    # --- Anthropic -------------------------------------------------------------------------

    async def _anthropic(self, request: Request) -> Response:
        reply, body = await self._record(request)
        model = body.get("model", "claude-test")
        if reply.status != 200:
            error = {"type": "error", "error": {"type": "error", "message": "upstream failed"}}
            return JSONResponse(error, status_code=reply.status, headers=reply.headers)
        output_tokens = reply.output_tokens
        stop_reason = "tool_use" if reply.tool_calls else "end_turn"
        if not body.get("stream"):
            content: list[dict[str, Any]] = (
                [{"type": "text", "text": reply.text}] if reply.text else []
            )
            content.extend(
                {
                    "type": "tool_use",
                    "id": call.id,
                    "name": call.name,
                    "input": json.loads(call.arguments),
                }
                for call in reply.tool_calls
            )
            return JSONResponse(
                {
                    "id": "msg_fake",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": content,
                    "stop_reason": stop_reason,
                    "stop_sequence": None,
                    "usage": {"input_tokens": reply.prompt_tokens, "output_tokens": output_tokens},
                }
            )

        def event(name: str, data: dict[str, Any]) -> bytes:
            return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()

        async def events() -> AsyncIterator[bytes]:
            message = {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": reply.prompt_tokens, "output_tokens": 1},
            }
            yield event("message_start", {"type": "message_start", "message": message})
            index = 0
            if reply.text:
                text_block = {"type": "text", "text": ""}
                start = {"type": "content_block_start", "index": 0, "content_block": text_block}
                yield event("content_block_start", start)
                async for piece in self._tokens(reply):
                    delta = {"type": "text_delta", "text": piece}
                    payload = {"type": "content_block_delta", "index": 0, "delta": delta}
                    yield event("content_block_delta", payload)
                yield event("content_block_stop", {"type": "content_block_stop", "index": 0})
                index = 1
            for call in reply.tool_calls:
                block: dict[str, object] = {
                    "type": "tool_use",
                    "id": call.id,
                    "name": call.name,
                    "input": {},
                }
                start = {"type": "content_block_start", "index": index, "content_block": block}
                yield event("content_block_start", start)
                for piece in call.argument_pieces:
                    delta = {"type": "input_json_delta", "partial_json": piece}
                    payload = {"type": "content_block_delta", "index": index, "delta": delta}
                    yield event("content_block_delta", payload)
                yield event("content_block_stop", {"type": "content_block_stop", "index": index})
                index += 1
            yield event(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": output_tokens},
                },
            )
            yield event("message_stop", {"type": "message_stop"})

        return StreamingResponse(events(), media_type="text/event-stream", headers=reply.headers)
