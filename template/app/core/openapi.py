"""The OpenAPI schema tells every status a route can answer, each error with the envelope's
schema, so a generated client (or a fuzzer) knows what to expect.

What a route (or its router, for what all its routes share: credentials, rate limits)
answers is declared where it is written, `responses=errors(404)`; what the request itself can
get wrong is added here to every operation: a body that does not parse (400), is too large
(413) or is invalid (422), parameters that are invalid (422).
"""

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

ERROR_SCHEMA = "ErrorBody"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}


class OpenAIErrorPublic(BaseModel):
    message: str
    type: str
    code: int


class ErrorBody(BaseModel):
    """The one error envelope."""

    code: int = Field(description="The HTTP status, repeated")
    message: str = Field(description="What went wrong, for humans")
    detail: Any = Field(
        default=None, description="Structured detail; on a 422, the invalid fields (`loc`)"
    )
    error: OpenAIErrorPublic | None = Field(
        default=None, description="Under /v1/ only: the same error as OpenAI's SDKs read it"
    )


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=errors(404, 409)`: statuses a route answers with the error envelope."""
    return {status: {"model": ErrorBody, "description": _phrase(status)} for status in statuses}


def document_errors(app: FastAPI) -> None:
    """Completes the app's schema, once, when it is first asked for."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.setdefault(
                ERROR_SCHEMA,
                ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}"),
            )
            for name, definition in components[ERROR_SCHEMA].pop("$defs", {}).items():
                components.setdefault(name, definition)
            for path_item in schema.get("paths", {}).values():
                for operation in path_item.values():
                    _complete(operation)
            for unused in ("HTTPValidationError", "ValidationError"):
                components.pop(unused, None)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def _complete(operation: dict[str, Any]) -> None:
    statuses = set()
    if "requestBody" in operation:
        statuses |= {400, 413, 422}
    if operation.get("parameters"):
        statuses.add(422)
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        responses.setdefault(str(status), {"description": _phrase(status)})
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400:
            _use_envelope(response)


def _use_envelope(response: dict[str, Any]) -> None:
    """An error without a body schema, or with FastAPI's own validation error (which the
    envelope replaces), gets the envelope's; a route's own error shape stays."""
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None or schema == {"$ref": "#/components/schemas/HTTPValidationError"}:
        response["content"] = {"application/json": {"schema": ERROR_REF}}


def _phrase(status: int) -> str:
    return HTTPStatus(status).phrase
