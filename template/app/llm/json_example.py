"""A deterministic instance of a JSON Schema: what the fake model answers when asked for JSON.

Required properties only, each with a value of the right type: `const`, else the first `enum`
value, else the `default`, else a plain example ("example", 0, true, one array item), within
the schema's bounds (minimum, minLength, minItems). Local `$ref`s (`#/$defs/...`, as Pydantic
and Zod write them) are followed; `anyOf`/`oneOf` take their first non-null option.
"""

import math
from typing import Any

JsonSchema = dict[str, Any]
MAX_DEPTH = 12  # past this depth arrays get their fewest items, so recursive schemas end
MAX_ITEMS = 100  # bounds on what a schema may ask for (minItems, minLength)
MAX_LENGTH = 10_000


class UnusableSchema(ValueError):
    """The schema is not one an instance can be made of (malformed, or absurd bounds)."""


STRING_FORMATS = {
    "date-time": "2026-01-01T00:00:00Z",
    "date": "2026-01-01",
    "time": "00:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def example_of(schema: JsonSchema) -> Any:
    try:
        return _example(schema, schema, 0)
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError) as exc:
        raise UnusableSchema(str(exc)) from exc


def _example(schema: JsonSchema, root: JsonSchema, depth: int) -> Any:
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if options := schema.get(key):
            return _example(_first_non_null(options, root), root, depth + 1)
    if parts := schema.get("allOf"):
        return _example(_merge([_resolve(part, root) for part in parts]), root, depth + 1)
    kind = _type_of(schema)
    if kind == "object":
        return _object(schema, root, depth)
    if kind == "array":
        return _array(schema, root, depth)
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return _number(schema, integer=kind == "integer")
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "example"  # {} accepts any value


def _resolve(schema: JsonSchema, root: JsonSchema) -> JsonSchema:
    seen = 0
    while isinstance(schema.get("$ref"), str) and seen < MAX_DEPTH:
        target: Any = root
        for part in schema["$ref"].removeprefix("#").strip("/").split("/"):
            target = target.get(part, {}) if part and isinstance(target, dict) else target
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema


def _first_non_null(options: list[JsonSchema], root: JsonSchema) -> JsonSchema:
    for option in options:
        if _type_of(_resolve(option, root)) != "null":
            return option
    return options[0]


def _merge(parts: list[JsonSchema]) -> JsonSchema:
    merged: JsonSchema = {}
    for part in parts:
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def _type_of(schema: JsonSchema) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        return next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def _object(schema: JsonSchema, root: JsonSchema, depth: int) -> dict[str, Any]:
    properties: dict[str, JsonSchema] = schema.get("properties", {})
    if depth >= 2 * MAX_DEPTH:  # an object that requires itself has no finite instance
        return {}
    return {
        name: _example(properties.get(name, {}), root, depth + 1)
        for name in schema.get("required", [])
    }


def _array(schema: JsonSchema, root: JsonSchema, depth: int) -> list[Any]:
    count = max(int(schema.get("minItems", 0)), 1)
    if count > MAX_ITEMS:
        raise UnusableSchema(f"minItems {count} is more than {MAX_ITEMS}")
    if "maxItems" in schema:
        count = min(count, int(schema["maxItems"]))
    if depth >= MAX_DEPTH:
        count = int(schema.get("minItems", 0))
    prefix: list[JsonSchema] = schema.get("prefixItems", [])
    items = schema.get("items")
    item_schema: JsonSchema = items if isinstance(items, dict) else {}
    return [
        _example(prefix[i] if i < len(prefix) else item_schema, root, depth + 1)
        for i in range(max(count, len(prefix)))
    ]


def _string(schema: JsonSchema) -> str:
    value = STRING_FORMATS.get(str(schema.get("format")), "example")
    minimum = int(schema.get("minLength", 0))
    if minimum > MAX_LENGTH:
        raise UnusableSchema(f"minLength {minimum} is more than {MAX_LENGTH}")
    if len(value) < minimum:
        value += "x" * (minimum - len(value))
    if "maxLength" in schema:
        value = value[: int(schema["maxLength"])]
    return value


def _number(schema: JsonSchema, *, integer: bool) -> int | float:
    value: float = 0
    if "minimum" in schema:
        value = max(value, schema["minimum"])
    if "exclusiveMinimum" in schema:
        value = max(value, schema["exclusiveMinimum"] + (1 if integer else 0.5))
    if "maximum" in schema:
        value = min(value, schema["maximum"])
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        value = schema["exclusiveMaximum"] - (1 if integer else 0.5)
    return math.ceil(value) if integer else float(value)
