"""Tools, tool calls and structured output in `/api/chat` requests and answers.

The shapes are the Responses API's flat ones: a tool is `{name, description, parameters}`,
a tool call `{id, name, arguments}` (arguments as JSON text, as the model wrote them), so an
answer's `tool_calls` go back unchanged in the next request's assistant message.
"""

from typing import Any, Literal

from pydantic import ConfigDict, Field

from app.core.text import ClientModel, ClientText
from app.llm.tools import ResponseFormat, ToolCall, ToolChoice, ToolSpec

TOOL_NAME = r"^[A-Za-z0-9_-]{1,64}$"  # what OpenAI and Anthropic both accept
MAX_CALL_ID_LENGTH = 128


class ToolIn(ClientModel):
    type: Literal["function"] = "function"
    name: str = Field(pattern=TOOL_NAME)
    description: ClientText | None = None
    parameters: dict[str, Any] | None = Field(
        default=None, description="The JSON Schema of the arguments (default: no arguments)"
    )
    strict: bool | None = None

    def spec(self) -> ToolSpec:
        if self.parameters is None:
            return ToolSpec(self.name, self.description, strict=self.strict)
        return ToolSpec(self.name, self.description, self.parameters, self.strict)


class FunctionChoice(ClientModel):
    type: Literal["function"] = "function"
    name: ClientText = Field(max_length=64)


ToolChoiceIn = Literal["auto", "none", "required"] | FunctionChoice


def tool_choice_of(choice: ToolChoiceIn | None) -> ToolChoice | None:
    if choice is None:
        return None
    if isinstance(choice, FunctionChoice):
        return ToolChoice("function", choice.name)
    return ToolChoice(choice)


class ToolCallPublic(ClientModel):
    id: ClientText = Field(min_length=1, max_length=MAX_CALL_ID_LENGTH)
    name: ClientText = Field(max_length=64)
    arguments: ClientText = Field(default="{}", description="JSON text, as the model wrote it")

    @classmethod
    def of(cls, call: ToolCall) -> "ToolCallPublic":
        return cls(id=call.id, name=call.name, arguments=call.arguments)

    def call(self) -> ToolCall:
        return ToolCall(self.id, self.name, self.arguments)


class ResponseFormatIn(ClientModel):
    """`text` (the default), `json_object`, or `json_schema` with its `schema`."""

    model_config = ConfigDict(validate_by_name=True, serialize_by_alias=True)

    type: Literal["text", "json_object", "json_schema"]
    name: str = Field(default="response", pattern=TOOL_NAME)
    description: ClientText | None = None
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None

    def spec(self) -> ResponseFormat | None:
        if self.type == "text":
            return None
        if self.type == "json_object":
            return ResponseFormat("json_object")
        return ResponseFormat(
            "json_schema", self.json_schema, self.name, self.description, self.strict
        )
