"""What a client may send as text or as a number, on every transport alike.

`ClientText` is storable text: no NUL character and no unpaired surrogate (PostgreSQL refuses
both, and SQLite would keep text no other client can read back), at most `MAX_TEXT_CHARS`
characters unless a field bounds it tighter. `Prompt` is `ClientText` with something in it
besides whitespace. `ClientId` is an identifier in a path, a query or a body. `Offset` and
`PageSize` bound pagination, so a huge number is a 422 rather than a database overflow.

The OpenAPI schema states the non-blank rule as a pattern (`\\S`: some character that is not
whitespace), so a client (or a fuzzer) generating from the schema produces prompts the service
accepts; storability is stated in words, as a pattern on every text field would make every
schema-driven generator crawl.
"""

import re
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# The body limit (MAX_REQUEST_KB) bounds a request; this bounds any one text in it.
MAX_TEXT_CHARS = 100_000
MAX_ID_CHARS = 64  # the id columns' width (owners, conversations, documents)
MAX_OFFSET = 1_000_000  # far beyond any page a client reads; within every database's integer
MAX_PAGE_SIZE = 100
MAX_TOKENS = 1_000_000  # a request's output limit; the settings hold each one lower

# Python's own `\S` (search semantics, as JSON Schema's `pattern`), as the validator uses it.
NOT_BLANK_PATTERN = r"\S"
_NOT_BLANK = re.compile(NOT_BLANK_PATTERN)


def _storable(value: object) -> object:
    """Runs before str validation, so the length limits stay plain string constraints."""
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must not contain unpaired surrogate characters") from None
    return value


def _not_blank(value: object) -> object:
    if isinstance(value, str) and _NOT_BLANK.search(value) is None:
        raise ValueError("must not be empty or only whitespace")
    return value


ClientText = Annotated[
    str,
    Field(max_length=MAX_TEXT_CHARS),
    BeforeValidator(_storable),
]
Prompt = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_TEXT_CHARS,
        json_schema_extra={"pattern": NOT_BLANK_PATTERN},
    ),
    BeforeValidator(_storable),
    BeforeValidator(_not_blank),
]
ClientId = Annotated[
    str,
    Field(min_length=1, max_length=MAX_ID_CHARS),
    BeforeValidator(_storable),
]


def _number(value: object) -> object:
    """JSON numbers only: `true` and `"5"` are not counts (a whole float, `5.0`, is)."""
    if isinstance(value, bool | str | bytes):
        raise ValueError("must be a number")
    return value


# For a whole number in a body, with its bounds: `Annotated[int, Field(ge=.., le=..,
# strict=False), NumberOnly]` (strict models would refuse `5.0`, which JSON Schema calls an
# integer; the bounds stay inside, where the schema shows them as minimum and maximum).
NumberOnly = BeforeValidator(_number)
TokenLimit = Annotated[int, Field(ge=1, le=MAX_TOKENS, strict=False), NumberOnly]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]


class ClientModel(BaseModel):
    """A body a client sends: strict, so a value is of the type the schema says (`0` is not
    `false`, `"1"` is not `1`), as the OpenAPI schema promises."""

    model_config = ConfigDict(strict=True)
