"""Server-sent events: the response class every stream uses, and the `data:` event helpers.

One event is `data: <payload>` and a blank line; a keep-alive is a comment line (`: ping`)
that clients ignore but that keeps proxies from closing a connection while the model thinks.
The response streams events as they come and stops (closing the event source, so the model
stream upstream is closed too) as soon as the client disconnects.

A small class of its own on Starlette's public `Response`, rather than a general SSE library:
each event is one ASGI `send` (no timeout scope wrapped around every token), and a graceful
shutdown lets the streams in flight finish instead of cutting them.
"""

import json
from collections.abc import AsyncIterable, Mapping
from typing import Any

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

CLOSE_TIMEOUT_SECONDS = 10.0
# A route's `responses={200: EVENT_STREAM}`: with `stream: true`, its 200 is an event stream.
EVENT_STREAM: dict[str, Any] = {"content": {"text/event-stream": {}}}
DONE = b"data: [DONE]\n\n"
PING = b": ping\n\n"
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def data_event(payload: object) -> bytes:
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"


def named_event(name: str, payload: object) -> bytes:
    """`event: <name>` before the data, as OpenAI's Responses API streams its events."""
    return f"event: {name}\n".encode() + data_event(payload)


class EventStreamResponse(Response):
    """`text/event-stream` from an async iterable of ready-encoded events.

    Three tasks per response: the events, a keep-alive comment every `ping_seconds` (0: none),
    and a watch for the client leaving, which cancels the other two.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        events: AsyncIterable[bytes],
        *,
        ping_seconds: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.events = events
        self.ping_seconds = ping_seconds
        self.status_code = 200
        self.background = None
        self.init_headers({**STREAM_HEADERS, **(headers or {})})
        self._finished = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(self._watch_disconnect, receive, group.cancel_scope)
            if self.ping_seconds > 0:
                group.start_soon(self._ping, send)
            await self._stream(send)
            group.cancel_scope.cancel()

    async def _stream(self, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        try:
            async for event in self.events:
                await send({"type": "http.response.body", "body": event, "more_body": True})
        finally:
            # Cancelled while sending (the client left), the event source is still suspended:
            # close it, shielded, so its own clean-up (closing the model stream, recording the
            # turn) runs now rather than whenever the garbage collector finds it.
            close = getattr(self.events, "aclose", None)
            if close is not None:
                with anyio.move_on_after(CLOSE_TIMEOUT_SECONDS, shield=True):
                    await close()
        self._finished = True
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _ping(self, send: Send) -> None:
        while True:
            await anyio.sleep(self.ping_seconds)
            if self._finished:
                return
            await send({"type": "http.response.body", "body": PING, "more_body": True})

    @staticmethod
    async def _watch_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                scope.cancel()
                return
