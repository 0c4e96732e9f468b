"""The Responses API's streamed events, in the order OpenAI documents them.

`response.created`, `response.in_progress`; for text, `response.output_item.added` (a
message), `response.content_part.added`, `response.output_text.delta`...,
`response.output_text.done`, `response.content_part.done`, `response.output_item.done`; for
each tool call, `response.output_item.added` (a function_call),
`response.function_call_arguments.delta`..., `response.function_call_arguments.done`,
`response.output_item.done`; then `response.completed` (or `response.incomplete` when the
output was cut at `max_output_tokens`) with the whole response and its usage. A failure
half-way is `response.failed`, carrying the error. Every event has a `sequence_number`.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any, Literal

from app.chat.stream import ChatStream
from app.core.ids import new_id
from app.core.sse import named_event
from app.llm.base import LLMError
from app.llm.tools import ToolCallDelta
from app.openai_api.responses_schemas import (
    FunctionCallItem,
    OutputItem,
    OutputMessage,
    OutputText,
    ResponseDraft,
)

logger = logging.getLogger(__name__)

Ending = Literal["completed", "incomplete"]


class ResponseEvents:
    """Turns model deltas into events, keeping each output item's place and state."""

    def __init__(self, draft: ResponseDraft) -> None:
        self.draft = draft
        self.output: list[OutputItem] = []
        self._index: dict[str, int] = {}  # each item's output_index, by item id
        self._sequence = 0
        self._message: OutputMessage | None = None  # the message item still open
        self._calls: dict[int, FunctionCallItem] = {}  # open calls, by the model's call index

    def event(self, kind: str, **fields: Any) -> bytes:
        payload = {"type": kind, "sequence_number": self._sequence, **fields}
        self._sequence += 1
        return named_event(kind, payload)

    def text(self, delta: str) -> list[bytes]:
        events = []
        message = self._message
        if message is None:
            first = not any(isinstance(item, OutputMessage) for item in self.output)
            item_id = self.draft.reply_item_id if first else f"msg_{new_id()}"
            message = self._message = OutputMessage(id=item_id, status="in_progress")
            self._add(message)
            events.append(self._item("response.output_item.added", message))
            events.append(self._part("response.content_part.added", message, ""))
            message.content.append(OutputText(text=""))
        message.content[0].text += delta
        events.append(
            self.event(
                "response.output_text.delta",
                item_id=message.id,
                output_index=self._index[message.id],
                content_index=0,
                delta=delta,
                logprobs=[],
            )
        )
        return events

    def tool_call(self, delta: ToolCallDelta) -> list[bytes]:
        events = self.close_message("completed")
        call = self._calls.get(delta.index)
        if call is None:
            call_id = delta.id or f"call_{new_id()}"
            call = FunctionCallItem(
                id=f"fc_{call_id}",
                status="in_progress",
                call_id=call_id,
                name=delta.name or "",
                arguments="",
            )
            self._calls[delta.index] = call
            self._add(call)
            events.append(self._item("response.output_item.added", call))
        if delta.arguments:
            call.arguments += delta.arguments
            events.append(
                self.event(
                    "response.function_call_arguments.delta",
                    item_id=call.id,
                    output_index=self._index[call.id],
                    delta=delta.arguments,
                )
            )
        return events

    def close_message(self, status: Ending) -> list[bytes]:
        message, self._message = self._message, None
        if message is None:
            return []
        message.status = status
        text = message.content[0].text
        return [
            self.event(
                "response.output_text.done",
                item_id=message.id,
                output_index=self._index[message.id],
                content_index=0,
                text=text,
                logprobs=[],
            ),
            self._part("response.content_part.done", message, text),
            self._item("response.output_item.done", message),
        ]

    def close(self, status: Ending) -> list[bytes]:
        """Every open item done; a response with no output at all gets an empty message."""
        events = self.text("") if not self.output else []
        events.extend(self.close_message(status))
        for call in self._calls.values():
            call.arguments = call.arguments or "{}"
            call.status = "completed"
            events.append(
                self.event(
                    "response.function_call_arguments.done",
                    item_id=call.id,
                    output_index=self._index[call.id],
                    name=call.name,
                    arguments=call.arguments,
                )
            )
            events.append(self._item("response.output_item.done", call))
        self._calls = {}
        return events

    def _add(self, item: OutputItem) -> None:
        self._index[item.id] = len(self.output)
        self.output.append(item)

    def _item(self, kind: str, item: OutputItem) -> bytes:
        return self.event(kind, output_index=self._index[item.id], item=item.model_dump())

    def _part(self, kind: str, message: OutputMessage, text: str) -> bytes:
        return self.event(
            kind,
            item_id=message.id,
            output_index=self._index[message.id],
            content_index=0,
            part=OutputText(text=text).model_dump(),
        )


async def response_events(stream: ChatStream, draft: ResponseDraft) -> AsyncIterator[bytes]:
    events = ResponseEvents(draft)
    started = draft.snapshot("in_progress").model_dump()
    yield events.event("response.created", response=started)
    yield events.event("response.in_progress", response=started)
    try:
        async with aclosing(stream.deltas()) as deltas:
            async for delta in deltas:
                for event in (
                    events.text(delta) if isinstance(delta, str) else events.tool_call(delta)
                ):
                    yield event
    except Exception as exc:
        if isinstance(exc, LLMError):
            message = exc.message
        else:
            logger.exception("Responses API stream failed")
            message = "Internal server error"
        failed = draft.snapshot("failed", events.output, error=message)
        yield events.event("response.failed", response=failed.model_dump())
        return
    status: Ending = "incomplete" if stream.finish_reason == "length" else "completed"
    for event in events.close(status):
        yield event
    final = draft.snapshot(status, events.output, usage=stream.usage)
    yield events.event(f"response.{status}", response=final.model_dump())
