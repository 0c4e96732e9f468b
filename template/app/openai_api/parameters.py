"""Which OpenAI parameters the service honours, which it ignores, and which it refuses.

Honoured parameters are fields of the request models. Of the others, a few are accepted and
ignored because ignoring them changes nothing a caller can observe in the answer (each says
why below); a parameter sent as null, or with the value that means "off", is accepted too.
Everything else is refused with a 400 that names it, as OpenAI refuses what it does not know:
a client that asks for something the service cannot do learns it at once, instead of getting
an answer that silently lacks it.
"""

from collections.abc import Callable, Mapping
from typing import Any

from app.core.errors import ApiError

HARMLESS: dict[str, str] = {
    "user": "an end-user id for the provider's abuse monitoring; the service knows its caller",
    "safety_identifier": "the same as `user`, under its newer name",
    "prompt_cache_key": "a hint for OpenAI's prompt cache; answers are the same without it",
    "prompt_cache_retention": "how long OpenAI keeps its prompt cache; answers are the same",
    "service_tier": "OpenAI's billing and latency tier; it does not change the answer",
    "seed": "best effort at OpenAI itself, which promises no determinism",
}

CHAT_HARMLESS: dict[str, str] = {
    **HARMLESS,
    "store": "OpenAI's stored completions dashboard; nothing here reads them back",
    "metadata": "tags for OpenAI's stored completions; nothing here reads them back",
}

RESPONSES_HARMLESS: dict[str, str] = {
    **HARMLESS,
    "truncation": "history is always trimmed to the service's budget (as with 'auto')",
    "include": "extra data of item types (reasoning, searches) this service never produces",
}

# Parameters whose value here is the only one the service can honour.
NEUTRAL: dict[str, Any] = {
    "n": 1,
    "top_p": 1,
    "presence_penalty": 0,
    "frequency_penalty": 0,
    "logprobs": False,
    "top_logprobs": 0,
    "modalities": ["text"],
    "background": False,
    "verbosity": "medium",
}

UNSUPPORTED_INCLUDES = {"message.output_text.logprobs"}
# Chat Completions' legacy function calling, and what replaced it.
REPLACED = {"functions": "tools", "function_call": "tool_choice"}


def documented(harmless: Mapping[str, str]) -> Callable[[dict[str, Any]], None]:
    """The request schema's `json_schema_extra`: the parameters accepted beside the declared
    fields (harmless ones, neutral values) are documented, and nothing else is accepted."""

    def complete(schema: dict[str, Any]) -> None:
        properties = schema.setdefault("properties", {})
        for name, why in harmless.items():
            properties.setdefault(name, {"description": f"Accepted and ignored: {why}"})
        for name, value in NEUTRAL.items():
            properties.setdefault(
                name,
                {
                    "anyOf": [{"const": value}, {"type": "null"}],
                    "description": f"Only {value!r} is supported",
                },
            )
        schema["additionalProperties"] = False

    return complete


def refuse_unsupported(extra: Mapping[str, Any] | None, *, harmless: Mapping[str, str]) -> None:
    """Raises a 400 naming the first parameter in `extra` (the request's unknown fields)
    that is neither harmless nor set to its neutral value."""
    for name, value in (extra or {}).items():
        if value is None or name in harmless or NEUTRAL.get(name, object()) == value:
            continue
        if name in NEUTRAL:
            raise unsupported((name,), f"only {NEUTRAL[name]!r} is supported here")
        if name in REPLACED:
            raise unsupported((name,), f"deprecated by OpenAI; send {REPLACED[name]} instead")
        raise unsupported((name,), "not supported by this service")


def refuse_unsupported_includes(include: Any) -> None:
    if include is None:
        return
    if not isinstance(include, list) or not all(isinstance(value, str) for value in include):
        raise unsupported(("include",), "a list of item data names (strings)")
    for value in include:
        if value in UNSUPPORTED_INCLUDES:
            raise unsupported(("include",), f"{value!r} is not supported by this service")


def unsupported(where: tuple[str | int, ...], reason: str) -> ApiError:
    """A 400 naming the parameter (`tools.0.type`), with its place in the body as `loc`."""
    return ApiError(
        400,
        f"{'.'.join(str(part) for part in where)}: {reason}",
        detail=[{"loc": ["body", *where], "msg": reason, "type": "unsupported"}],
    )
