"""The subset of OpenAI's Chat Completions API the service speaks, shaped like OpenAI's own:
messages (text, tool calls and tool results), function tools, `tool_choice`,
`parallel_tool_calls` and `response_format`. Other parameters follow `parameters.py`."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.chat.schemas import ChatMessageIn, ChatRequest, Citations
from app.chat.tool_schemas import (
    MAX_CALL_ID_LENGTH,
    TOOL_NAME,
    FunctionChoice,
    ResponseFormatIn,
    ToolChoiceIn,
    ToolIn,
)
from app.core.text import ClientModel, ClientText, TokenLimit
from app.llm.base import Role
from app.llm.tools import ToolCall
from app.openai_api.content import ContentPart, build, join_text
from app.openai_api.parameters import (
    CHAT_HARMLESS,
    documented,
    refuse_unsupported,
    unsupported,
)

DEFAULT_TEMPERATURE = 1.0  # OpenAI's own default


class FunctionCall(ClientModel):
    name: ClientText = Field(max_length=64)
    arguments: ClientText = "{}"


class MessageToolCall(ClientModel):
    id: ClientText = Field(min_length=1, max_length=MAX_CALL_ID_LENGTH)
    type: ClientText = Field(default="function", max_length=64)
    function: FunctionCall


class OpenAIMessage(ClientModel):
    model_config = ConfigDict(extra="ignore")  # `name` and the like label, they do not instruct

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: ClientText | list[ContentPart] | None = None
    tool_calls: list[MessageToolCall] | None = None
    tool_call_id: ClientText | None = Field(default=None, max_length=MAX_CALL_ID_LENGTH)

    def chat_role(self) -> Role:
        if self.role == "developer":
            return "system"  # OpenAI's "developer" messages are system messages by another name
        return self.role


class FunctionDefinition(ClientModel):
    name: str = Field(pattern=TOOL_NAME)
    description: ClientText | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class OpenAITool(ClientModel):
    type: ClientText = Field(max_length=64)
    function: FunctionDefinition | None = None


class NamedFunction(ClientModel):
    name: ClientText = Field(max_length=64)


class NamedToolChoice(ClientModel):
    type: ClientText = Field(max_length=64)
    function: NamedFunction | None = None


class JsonSchemaFormat(ClientModel):
    model_config = ConfigDict(validate_by_name=True)

    name: ClientText = Field(default="response", max_length=64)
    description: ClientText | None = None
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None


class OpenAIResponseFormat(ClientModel):
    type: ClientText = Field(max_length=64)
    json_schema: JsonSchemaFormat | None = None


class StreamOptions(ClientModel):
    include_usage: bool = False


class ChatCompletionRequest(ClientModel):
    """Parameters not declared here are checked by name: see `parameters.py`."""

    model_config = ConfigDict(extra="allow", json_schema_extra=documented(CHAT_HARMLESS))

    model: ClientText = Field(max_length=100)
    messages: list[OpenAIMessage] = Field(min_length=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: TokenLimit | None = None
    max_completion_tokens: TokenLimit | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None
    tools: list[OpenAITool] | None = None
    tool_choice: Literal["auto", "none", "required"] | NamedToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: OpenAIResponseFormat | None = None
    use_knowledge: bool = Field(
        default=False, description="Not an OpenAI parameter: answer from the knowledge base"
    )

    def to_chat_request(self) -> ChatRequest:
        """The same request in the chat service's terms, so every rule applies to it too."""
        refuse_unsupported(self.model_extra, harmless=CHAT_HARMLESS)
        return ChatRequest(
            messages=[self._message(index, m) for index, m in enumerate(self.messages)],
            model=self.model,
            temperature=DEFAULT_TEMPERATURE if self.temperature is None else self.temperature,
            max_tokens=self.max_completion_tokens or self.max_tokens,
            stream=self.stream,
            use_knowledge=self.use_knowledge,
            tools=self._tools(),
            tool_choice=self._tool_choice(),
            parallel_tool_calls=self.parallel_tool_calls,
            response_format=self._response_format(),
        )

    @staticmethod
    def _message(index: int, message: OpenAIMessage) -> ChatMessageIn:
        where = ("messages", index)
        text = join_text(message.content, text_types={"text"}, where=(*where, "content"))
        calls = []
        for position, call in enumerate(message.tool_calls or ()):
            if call.type != "function":
                raise unsupported(
                    (*where, "tool_calls", position, "type"), "only function calls are supported"
                )
            calls.append({"id": call.id, **call.function.model_dump()})
        if message.role == "tool" and text is None:
            text = ""
        return build(
            ChatMessageIn,
            where,
            role=message.chat_role(),
            content=None if calls and not text else text,
            tool_calls=calls or None,
            tool_call_id=message.tool_call_id,
        )

    def _tools(self) -> list[ToolIn] | None:
        if self.tools is None:
            return None
        tools = []
        for index, tool in enumerate(self.tools):
            if tool.type != "function" or tool.function is None:
                reason = f"{tool.type!r} tools are not supported (function tools only)"
                raise unsupported(("tools", index, "type"), reason)
            tools.append(ToolIn(**tool.function.model_dump()))
        return tools

    def _tool_choice(self) -> ToolChoiceIn | None:
        choice = self.tool_choice
        if not isinstance(choice, NamedToolChoice):
            return choice
        if choice.type != "function" or choice.function is None:
            raise unsupported(("tool_choice", "type"), f"{choice.type!r} is not supported")
        return FunctionChoice(name=choice.function.name)

    def _response_format(self) -> ResponseFormatIn | None:
        answer_format = self.response_format
        if answer_format is None or answer_format.type == "text":
            return None
        if answer_format.type == "json_object":
            return ResponseFormatIn(type="json_object")
        if answer_format.type == "json_schema" and answer_format.json_schema is not None:
            spec = answer_format.json_schema
            return build(
                ResponseFormatIn,
                ("response_format", "json_schema"),
                type="json_schema",
                name=spec.name,
                description=spec.description,
                json_schema=spec.json_schema,
                strict=spec.strict,
            )
        raise unsupported(("response_format", "type"), f"{answer_format.type!r} is not supported")


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ResponseFunction(BaseModel):
    name: str
    arguments: str


class ResponseToolCall(BaseModel):
    id: str
    type: Literal["function"] = "function"
    function: ResponseFunction

    @classmethod
    def of(cls, call: ToolCall) -> "ResponseToolCall":
        return cls(id=call.id, function=ResponseFunction(name=call.name, arguments=call.arguments))


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str | None
    tool_calls: list[ResponseToolCall] | None = None


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: str


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: CompletionUsage
    # Not an OpenAI field: with use_knowledge, the sources the answer may draw on.
    citations: Citations = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
