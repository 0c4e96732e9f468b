"""OpenAI's streaming wire format: `chat.completion.chunk` events, then `data: [DONE]`.

Tool calls stream as OpenAI streams them: `delta.tool_calls` fragments, the first of each call
with its `id`, `type` and function `name`, the next ones with pieces of its `arguments`.
With `use_knowledge`, one more chunk with no choices carries `citations` (not an OpenAI field;
SDKs keep unknown fields) right before `data: [DONE]`.
"""

import logging
import time
from collections.abc import AsyncIterator
from contextlib import aclosing

from app.chat.events import citations_payload
from app.chat.stream import ChatStream
from app.core.errors import ApiError
from app.core.sse import DONE, data_event
from app.llm.tools import ToolCallDelta

logger = logging.getLogger(__name__)


def _chunk(
    completion_id: str,
    created: int,
    model: str,
    delta: dict[str, object],
    finish_reason: str | None = None,
) -> bytes:
    return data_event(
        {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }
    )


def _fragment(delta: ToolCallDelta) -> dict[str, object]:
    function: dict[str, str] = {"arguments": delta.arguments}
    if delta.name is not None:
        function["name"] = delta.name
    if delta.id is None:
        return {"index": delta.index, "function": function}
    return {"index": delta.index, "id": delta.id, "type": "function", "function": function}


async def completion_chunks(
    stream: ChatStream, *, completion_id: str, include_usage: bool
) -> AsyncIterator[bytes]:
    created = int(time.time())
    model = stream.prepared.model
    yield _chunk(completion_id, created, model, {"role": "assistant", "content": ""})
    try:
        async with aclosing(stream.deltas()) as deltas:
            async for delta in deltas:
                if isinstance(delta, str):
                    yield _chunk(completion_id, created, model, {"content": delta})
                else:
                    yield _chunk(completion_id, created, model, {"tool_calls": [_fragment(delta)]})
    except ApiError as exc:  # the model failed, or the answer could not be stored
        yield data_event({"error": {"message": exc.message, "type": "api_error"}})
        return
    except Exception:
        logger.exception("OpenAI-compatible stream failed")
        yield data_event({"error": {"message": "Internal server error", "type": "api_error"}})
        return
    yield _chunk(completion_id, created, model, {}, stream.finish_reason)
    if include_usage:
        usage = stream.usage
        yield data_event(
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [],
                "usage": {
                    "prompt_tokens": usage.prompt_tokens,
                    "completion_tokens": usage.completion_tokens,
                    "total_tokens": usage.total_tokens,
                },
            }
        )
    citations = citations_payload(stream.prepared)
    if citations is not None:
        yield data_event(
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [],
                **citations,
            }
        )
    yield DONE
