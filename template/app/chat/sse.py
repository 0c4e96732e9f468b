"""The seed's SSE wire format, byte for byte, as a `fetch` + `getReader()` front end reads it.

Each delta is `data: {"content": "..."}` and a blank line; the stream ends with `data: [DONE]`,
or with `data: {"error": "..."}` when the model fails half-way.
"""

import json
import logging
from collections.abc import AsyncIterator
from json.encoder import encode_basestring

from app.llm.base import LLMError

logger = logging.getLogger(__name__)

DONE = b"data: [DONE]\n\n"


def data_event(payload: object) -> bytes:
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"


def content_event(text: str) -> bytes:
    """The hot path: one C call instead of a JSONEncoder per token, same bytes as
    `data_event({"content": text})`."""
    return b'data: {"content": ' + encode_basestring(text).encode() + b"}\n\n"


def error_event(message: str) -> bytes:
    return data_event({"error": message})


async def chat_events(deltas: AsyncIterator[str]) -> AsyncIterator[bytes]:
    try:
        async for delta in deltas:
            yield content_event(delta)
    except LLMError as exc:
        logger.warning("model stream failed: %s", exc.message)
        yield error_event(exc.message)
        return
    except Exception:
        logger.exception("chat stream failed")
        yield error_event("Internal server error")
        return
    yield DONE
