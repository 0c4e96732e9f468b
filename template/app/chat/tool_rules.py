"""What makes a chat request's messages and tools coherent, checked before any model call
(422s that name the field): which messages need text, who may carry tool calls and results,
and which tools a choice may name."""

from app.chat.schemas import ChatRequest, invalid_field
from app.chat.tool_schemas import FunctionChoice


def check_tool_use(request: ChatRequest) -> None:
    for index, message in enumerate(request.messages):
        if message.tool_calls and message.role != "assistant":
            raise invalid_field(
                ("messages", index, "tool_calls"), "only assistant messages carry tool calls"
            )
        if message.role == "tool" and not message.tool_call_id:
            raise invalid_field(
                ("messages", index, "tool_call_id"), "a tool message names the call it answers"
            )
        if message.content is None and not message.tool_calls:
            raise invalid_field(("messages", index, "content"), "Field required")
        if message.content == "" and message.role != "tool" and not message.tool_calls:
            raise invalid_field(
                ("messages", index, "content"), "String should have at least 1 character"
            )
    names = [tool.name for tool in request.tools or ()]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise invalid_field(("tools", index, "name"), f"{name!r} is offered twice")
    choice = request.tool_choice
    if choice is not None and choice != "none" and not names:
        raise invalid_field(("tool_choice",), "needs tools to choose from")
    if isinstance(choice, FunctionChoice) and choice.name not in names:
        raise invalid_field(("tool_choice", "name"), f"{choice.name!r} is not one of the tools")
    answer_format = request.response_format
    if answer_format and answer_format.type == "json_schema" and answer_format.json_schema is None:
        raise invalid_field(("response_format", "schema"), "required for json_schema")
