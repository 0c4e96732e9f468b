"""The subset of OpenAI's Responses API the service speaks: the request, and the response object
with its output items (`message` and `function_call`), shaped like OpenAI's own."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.chat.tool_schemas import ResponseFormatIn, ToolIn
from app.core.text import ClientId, ClientModel, ClientText, Prompt, TokenLimit
from app.llm.base import Usage
from app.llm.tools import ToolCall
from app.openai_api.parameters import RESPONSES_HARMLESS, documented

MetadataKey = Annotated[ClientText, Field(max_length=64)]
MetadataValue = Annotated[ClientText, Field(max_length=512)]


class TextConfig(ClientModel):
    model_config = ConfigDict(extra="allow")

    format: ResponseFormatIn | None = None


class ResponseCreateRequest(ClientModel):
    """Parameters not declared here are checked by name: see `parameters.py`."""

    model_config = ConfigDict(extra="allow", json_schema_extra=documented(RESPONSES_HARMLESS))

    model: ClientText = Field(max_length=100)
    input: Prompt | list[dict[str, Any]] = Field(
        description="Text, or items: messages, function_call, function_call_output, item_reference"
    )
    instructions: ClientText | None = Field(
        default=None, description="A system prompt for this response only (not carried over)"
    )
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: ClientText | dict[str, Any] | None = Field(default=None, max_length=64)
    parallel_tool_calls: bool | None = None
    text: TextConfig | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_output_tokens: TokenLimit | None = None
    store: bool | None = Field(
        default=None,
        description="true (the default): kept as a conversation that previous_response_id "
        "continues; false: only usage is recorded",
    )
    previous_response_id: ClientId | None = Field(default=None, max_length=64)
    metadata: dict[MetadataKey, MetadataValue] | None = Field(default=None, max_length=16)
    use_knowledge: bool = Field(
        default=False, description="Not an OpenAI parameter: answer from the knowledge base"
    )


class OutputText(BaseModel):
    type: Literal["output_text"] = "output_text"
    text: str
    annotations: list[Any] = []
    logprobs: list[Any] = []


class OutputMessage(BaseModel):
    id: str
    type: Literal["message"] = "message"
    status: Literal["in_progress", "completed", "incomplete"] = "completed"
    role: Literal["assistant"] = "assistant"
    content: list[OutputText] = Field(default_factory=list)


class FunctionCallItem(BaseModel):
    id: str
    type: Literal["function_call"] = "function_call"
    status: Literal["in_progress", "completed", "incomplete"] = "completed"
    call_id: str
    name: str
    arguments: str

    @classmethod
    def of(cls, call: ToolCall) -> "FunctionCallItem":
        return cls(id=f"fc_{call.id}", call_id=call.id, name=call.name, arguments=call.arguments)


OutputItem = OutputMessage | FunctionCallItem


class InputTokensDetails(BaseModel):
    cached_tokens: int = 0


class OutputTokensDetails(BaseModel):
    reasoning_tokens: int = 0


class ResponseUsage(BaseModel):
    input_tokens: int
    input_tokens_details: InputTokensDetails = InputTokensDetails()
    output_tokens: int
    output_tokens_details: OutputTokensDetails = OutputTokensDetails()
    total_tokens: int

    @classmethod
    def of(cls, usage: Usage) -> "ResponseUsage":
        return cls(
            input_tokens=usage.prompt_tokens,
            output_tokens=usage.completion_tokens,
            total_tokens=usage.total_tokens,
        )


class ResponseError(BaseModel):
    code: str
    message: str


class IncompleteDetails(BaseModel):
    reason: str


Status = Literal["completed", "incomplete", "in_progress", "failed"]


class ResponseObject(BaseModel):
    id: str
    object: Literal["response"] = "response"
    created_at: int
    status: Status
    error: ResponseError | None = None
    incomplete_details: IncompleteDetails | None = None
    instructions: str | None = None
    max_output_tokens: int | None = None
    model: str
    output: list[OutputItem] = []
    parallel_tool_calls: bool = True
    previous_response_id: str | None = None
    store: bool = True
    temperature: float
    text: dict[str, Any]
    tool_choice: str | dict[str, Any] = "auto"
    tools: list[ToolIn] = []
    top_p: float = 1.0
    truncation: Literal["auto", "disabled"] = "auto"
    usage: ResponseUsage | None = None
    metadata: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class ResponseDraft:
    """The response object before its answer: its ids, and the settings it echoes back."""

    id: str
    created_at: int
    model: str
    reply_item_id: str  # the answer's message item
    body: ResponseCreateRequest
    tools: list[ToolIn]
    temperature: float

    def snapshot(
        self,
        status: Status,
        output: Sequence[OutputItem] = (),
        *,
        usage: Usage | None = None,
        error: str | None = None,
    ) -> ResponseObject:
        body = self.body
        answer_format = body.text.format if body.text and body.text.format else None
        return ResponseObject(
            id=self.id,
            created_at=self.created_at,
            status=status,
            error=ResponseError(code="server_error", message=error) if error else None,
            incomplete_details=(
                IncompleteDetails(reason="max_output_tokens") if status == "incomplete" else None
            ),
            instructions=body.instructions,
            max_output_tokens=body.max_output_tokens,
            model=self.model,
            output=list(output),
            parallel_tool_calls=body.parallel_tool_calls is not False,
            previous_response_id=body.previous_response_id,
            store=body.store is not False,
            temperature=self.temperature,
            text={
                "format": answer_format.model_dump(exclude_none=True)
                if answer_format
                else {"type": "text"}
            },
            tool_choice=body.tool_choice or "auto",
            tools=self.tools,
            usage=ResponseUsage.of(usage) if usage is not None else None,
            metadata=body.metadata or {},
        )

    def finished(
        self, text: str, tool_calls: tuple[ToolCall, ...], finish_reason: str, usage: Usage
    ) -> ResponseObject:
        status: Status = "incomplete" if finish_reason == "length" else "completed"
        output: list[OutputItem] = []
        if text or not tool_calls:
            message = OutputMessage(id=self.reply_item_id, status=status)
            message.content.append(OutputText(text=text))
            output.append(message)
        output.extend(FunctionCallItem.of(call) for call in tool_calls)
        return self.snapshot(status, output, usage=usage)
