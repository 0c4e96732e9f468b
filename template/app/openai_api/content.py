"""Pieces both OpenAI APIs share: text from content parts (text only: anything else is refused
by name), and request errors that point into the caller's own body."""

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.chat.schemas import invalid_field
from app.core.errors import validation_detail
from app.core.text import ClientModel, ClientText
from app.openai_api.parameters import unsupported

ModelT = TypeVar("ModelT", bound=BaseModel)
Location = tuple[str | int, ...]


class ContentPart(ClientModel):
    model_config = ConfigDict(extra="allow")

    type: ClientText = Field(max_length=64)
    text: ClientText | None = None
    refusal: ClientText | None = None


def join_text(
    content: str | Sequence[ContentPart] | None, *, text_types: set[str], where: Location
) -> str | None:
    """The text of `content`; parts of another kind (images, audio, files) are refused."""
    if content is None or isinstance(content, str):
        return content
    pieces = []
    for index, part in enumerate(content):
        if part.type in text_types:
            pieces.append(part.text or "")
        elif part.type == "refusal":
            pieces.append(part.refusal or "")
        else:
            raise unsupported(
                (*where, index, "type"), f"{part.type!r} content is not supported (text only)"
            )
    return "".join(pieces)


def build(model: type[ModelT], where: Location, **values: Any) -> ModelT:
    """`model(**values)`, with a validation error reported where it is in the caller's body."""
    try:
        return model(**values)
    except ValidationError as exc:
        error = validation_detail(exc.errors())[0]
        raise invalid_field((*where, *error["loc"]), error["msg"]) from None


def validate_item(model: type[ModelT], data: Any, where: Location) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = validation_detail(exc.errors())[0]
        raise invalid_field((*where, *error["loc"]), error["msg"]) from None
