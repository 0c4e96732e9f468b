"""The SSE format of `/api/chat`, byte for byte as a `fetch` + `getReader()` front end reads it.

Each delta is `data: {"content": "..."}` and a blank line; the stream ends with `data: [DONE]`,
or with `data: {"error": "..."}` when the model fails half-way. When the model calls tools,
one `data: {"tool_calls": [{"id", "name", "arguments"}]}` event, with the whole calls, comes
right before `data: [DONE]`; an answer from the knowledge base sends its sources as one
`data: {"citations": [...]}` event there too.
"""

import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from json.encoder import encode_basestring

from app.chat.schemas import CitationPublic
from app.chat.turn import PreparedChat
from app.core.errors import ApiError
from app.core.sse import DONE, data_event
from app.llm.tools import StreamDelta, ToolCall, ToolCallAssembler

logger = logging.getLogger(__name__)


def content_event(text: str) -> bytes:
    """The same bytes as `data_event({"content": text})`, with one C call per token instead of
    a JSON encoder: this runs once per streamed token."""
    return b'data: {"content": ' + encode_basestring(text).encode() + b"}\n\n"


def error_event(message: str) -> bytes:
    return data_event({"error": message})


def tool_calls_event(calls: tuple[ToolCall, ...]) -> bytes:
    return data_event(
        {"tool_calls": [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls]}
    )


def citations_payload(prepared: PreparedChat) -> dict[str, object] | None:
    """`{"citations": [...]}` for an answer from the knowledge base, otherwise None."""
    citations = CitationPublic.all_of(prepared.citations)
    if citations is None:
        return None
    return {"citations": [citation.model_dump() for citation in citations]}


async def chat_events(
    deltas: AsyncGenerator[StreamDelta, None], citations: dict[str, object] | None = None
) -> AsyncIterator[bytes]:
    """Closing these events (the client left) closes `deltas` too, so the turn is recorded
    at once rather than whenever the garbage collector finds the abandoned generator."""
    calls = ToolCallAssembler()
    try:
        async with aclosing(deltas):
            async for delta in deltas:
                if isinstance(delta, str):
                    yield content_event(delta)
                else:
                    calls.add(delta)
    except ApiError as exc:  # the model failed, or the answer could not be stored
        logger.warning("chat stream ended with an error: %s", exc.message)
        yield error_event(exc.message)
        return
    except Exception:
        logger.exception("chat stream failed")
        yield error_event("Internal server error")
        return
    if calls:
        yield tool_calls_event(calls.calls())
    if citations is not None:
        yield data_event(citations)
    yield DONE
