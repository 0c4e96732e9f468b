"""A Responses API request in the chat service's terms, so every chat rule applies to it too.

Input items become chat messages: `message` items by role (`developer` is `system`),
`function_call` items the tool calls of an assistant message (joined to the assistant
message right before them, as one turn), `function_call_output` items `tool` messages, and
an `item_reference` the stored answer it names. `instructions` are a system prompt for this
call only, as at OpenAI: a continued conversation does not carry them over.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from app.chat.schemas import ChatMessageIn, ChatRequest, invalid_field
from app.chat.tool_schemas import FunctionChoice, ToolChoiceIn, ToolIn
from app.core.errors import ApiError
from app.openai_api.content import ContentPart, build, join_text, validate_item
from app.openai_api.parameters import (
    RESPONSES_HARMLESS,
    refuse_unsupported,
    refuse_unsupported_includes,
    unsupported,
)
from app.openai_api.responses_schemas import ResponseCreateRequest

TEXT_TYPES = {"input_text", "output_text", "text"}
DEFAULT_TEMPERATURE = 1.0  # OpenAI's own default
# Chat request fields, by the name the Responses API gives them.
CHAT_NAMES = {
    "messages": "input",
    "max_tokens": "max_output_tokens",
    "conversation_id": "previous_response_id",
}
TOOL_CHOICE_MODES: dict[str, ToolChoiceIn] = {
    "auto": "auto",
    "none": "none",
    "required": "required",
}
Input = str | list[dict[str, Any]]


class MessageItem(BaseModel):
    role: Literal["user", "system", "developer", "assistant"]
    content: str | list[ContentPart]


class FunctionCallInput(BaseModel):
    call_id: str
    name: str
    arguments: str = "{}"


class FunctionCallOutput(BaseModel):
    call_id: str
    output: str | list[ContentPart]


class ItemReference(BaseModel):
    id: str


def referenced_items(items: Input) -> list[str]:
    """The ids of `item_reference` items, to look up before converting."""
    if isinstance(items, str):
        return []
    return [str(item.get("id")) for item in items if item.get("type") == "item_reference"]


def refuse_unhonoured(body: ResponseCreateRequest) -> None:
    """A 400 naming the first parameter the service cannot honour (see `parameters.py`)."""
    refuse_unsupported(body.model_extra, harmless=RESPONSES_HARMLESS)
    refuse_unsupported_includes((body.model_extra or {}).get("include"))
    for name, value in (body.text.model_extra or {}).items() if body.text else ():
        if value is not None and (name, value) != ("verbosity", "medium"):
            raise unsupported(("text", name), "not supported by this service")
    if body.previous_response_id is not None and body.store is False:
        reason = "continuing a response needs store: true here"
        raise unsupported(("previous_response_id",), reason)


@dataclass(frozen=True, slots=True)
class ChatInput:
    """The request in chat terms, and the `input` item each of its messages came from."""

    request: ChatRequest
    origins: tuple[int, ...] | None  # None: the input was one text

    def named_as_sent(self, error: ApiError) -> ApiError:
        """A chat rule's error about a field, naming it as this request's caller sent it
        (`max_output_tokens`, `input.3.content`) rather than in chat terms."""
        detail = error.detail
        if not (isinstance(detail, list) and detail and isinstance(detail[0], dict)):
            return error
        location = list(detail[0].get("loc", ()))[1:]  # after "body"
        if not location or location[0] not in CHAT_NAMES:
            return error
        if location[0] == "messages" and len(location) > 1:
            position = location[1]
            if self.origins is None:
                del location[1:3]  # one text: `input` itself
            elif isinstance(position, int) and position < len(self.origins):
                location[1] = self.origins[position]
        location[0] = CHAT_NAMES[location[0]]
        requirement = str(detail[0].get("msg", ""))
        renamed = invalid_field(tuple(location), requirement)
        return ApiError(error.status_code, renamed.message, detail=renamed.detail)


def to_chat_request(body: ResponseCreateRequest, replies: Mapping[str, str]) -> ChatInput:
    """`replies`: the stored answers that `item_reference` items name, by item id."""
    text = body.text
    messages, origins = input_messages(body.input, replies)
    request = ChatRequest(
        messages=messages,
        model=body.model,
        temperature=DEFAULT_TEMPERATURE if body.temperature is None else body.temperature,
        max_tokens=body.max_output_tokens,
        stream=body.stream,
        conversation_id=body.previous_response_id,
        use_knowledge=body.use_knowledge,
        instructions=body.instructions,
        tools=tools_of(body.tools),
        tool_choice=tool_choice_of(body.tool_choice),
        parallel_tool_calls=body.parallel_tool_calls,
        response_format=text.format if text else None,
    )
    return ChatInput(request, origins)


def input_messages(
    items: Input, replies: Mapping[str, str]
) -> tuple[list[ChatMessageIn], tuple[int, ...] | None]:
    """The messages, and the input item each came from (None for a text input)."""
    if isinstance(items, str):
        if not items:
            raise invalid_field(("input",), "String should have at least 1 character")
        return [ChatMessageIn(role="user", content=items)], None
    if not items:
        raise invalid_field(("input",), "List should have at least 1 item")
    messages: list[tuple[int, dict[str, Any]]] = []  # (input index, message fields)
    for index, item in enumerate(items):
        where = ("input", index)
        kind = item.get("type", "message")
        if kind == "message":
            message = validate_item(MessageItem, item, where)
            content = join_text(message.content, text_types=TEXT_TYPES, where=(*where, "content"))
            role = "system" if message.role == "developer" else message.role
            messages.append((index, {"role": role, "content": content}))
        elif kind == "function_call":
            call = validate_item(FunctionCallInput, item, where)
            fields = {"id": call.call_id, "name": call.name, "arguments": call.arguments}
            previous = messages[-1][1] if messages else None
            if previous is not None and previous["role"] == "assistant":
                previous.setdefault("tool_calls", []).append(fields)
            else:
                messages.append((index, {"role": "assistant", "tool_calls": [fields]}))
        elif kind == "function_call_output":
            result = validate_item(FunctionCallOutput, item, where)
            output = join_text(result.output, text_types=TEXT_TYPES, where=(*where, "output"))
            messages.append(
                (index, {"role": "tool", "tool_call_id": result.call_id, "content": output})
            )
        elif kind == "item_reference":
            reference = validate_item(ItemReference, item, where)
            if reference.id not in replies:
                raise ApiError(404, f"input.{index}.id: item {reference.id!r} not found")
            messages.append((index, {"role": "assistant", "content": replies[reference.id]}))
        else:
            raise unsupported((*where, "type"), f"{kind!r} items are not supported")
    built = [build(ChatMessageIn, ("input", index), **fields) for index, fields in messages]
    return built, tuple(index for index, _ in messages)


def tools_of(tools: list[dict[str, Any]] | None) -> list[ToolIn] | None:
    if tools is None:
        return None
    offered = []
    for index, tool in enumerate(tools):
        if tool.get("type") != "function":
            reason = f"{tool.get('type')!r} tools are not supported (function tools only)"
            raise unsupported(("tools", index, "type"), reason)
        offered.append(validate_item(ToolIn, tool, ("tools", index)))
    return offered


def tool_choice_of(choice: str | dict[str, Any] | None) -> ToolChoiceIn | None:
    if choice is None:
        return None
    if isinstance(choice, dict) and choice.get("type") == "function":
        return validate_item(FunctionChoice, choice, ("tool_choice",))
    if isinstance(choice, str) and choice in TOOL_CHOICE_MODES:
        return TOOL_CHOICE_MODES[choice]
    kind = choice.get("type") if isinstance(choice, dict) else choice
    raise unsupported(("tool_choice",), f"{kind!r} is not supported")
