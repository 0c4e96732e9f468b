"""Function calling and structured output, in the provider-neutral terms every provider maps.

A request may offer `ToolSpec`s and say how the model may use them (`ToolChoice`), or ask for
JSON (`ResponseFormat`); an answer may carry `ToolCall`s instead of, or besides, text. A
stream yields tool calls as `ToolCallDelta` fragments, the way OpenAI streams them: the first
fragment of a call carries its id and name, the following ones pieces of its arguments.
"""

from dataclasses import dataclass, field
from typing import Any, Literal

JsonSchema = dict[str, Any]
EMPTY_PARAMETERS: JsonSchema = {"type": "object", "properties": {}}


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A function the caller offers; `parameters` is the JSON Schema of its arguments."""

    name: str
    description: str | None = None
    parameters: JsonSchema = field(default_factory=lambda: dict(EMPTY_PARAMETERS))
    strict: bool | None = None


@dataclass(frozen=True, slots=True)
class ToolChoice:
    """`auto` (the model decides), `none`, `required` (some tool), or one `function` by name."""

    mode: Literal["auto", "none", "required", "function"] = "auto"
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A call the model asks the caller to make; `arguments` is JSON text, as models write it."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """One streamed fragment of the tool call at `index` (0 for the answer's first call)."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


StreamDelta = str | ToolCallDelta
"""What a model stream yields: a piece of text, or a fragment of a tool call."""


@dataclass(frozen=True, slots=True)
class ResponseFormat:
    """`json_object` (any JSON object) or `json_schema` (an instance of `schema`)."""

    type: Literal["json_object", "json_schema"]
    schema: JsonSchema | None = None
    name: str = "response"
    description: str | None = None
    strict: bool | None = None


class ToolCallAssembler:
    """Joins streamed fragments back into whole calls, in the order they started."""

    def __init__(self) -> None:
        self._ids: dict[int, str] = {}
        self._names: dict[int, str] = {}
        self._arguments: dict[int, list[str]] = {}

    def __bool__(self) -> bool:
        return bool(self._arguments)

    def add(self, delta: ToolCallDelta) -> None:
        # The first fragment names the call; some servers repeat id and name in later ones.
        if delta.id:
            self._ids.setdefault(delta.index, delta.id)
        if delta.name:
            self._names.setdefault(delta.index, delta.name)
        self._arguments.setdefault(delta.index, []).append(delta.arguments)

    def calls(self) -> tuple[ToolCall, ...]:
        return tuple(
            ToolCall(
                id=self._ids.get(index, ""),
                name=self._names.get(index, ""),
                arguments="".join(pieces) or "{}",
            )
            for index, pieces in sorted(self._arguments.items())
        )
