"""The API describes itself truthfully: every error status with the envelope's schema, the
constraints of every field, and `Allow` listing every method a path accepts."""

from typing import Any

import httpx2
import pytest
from fastapi import FastAPI

pytestmark = pytest.mark.anyio

ENVELOPE = {"$ref": "#/components/schemas/ErrorBody"}


def responses_of(app: FastAPI, path: str, method: str) -> dict[str, Any]:
    responses: dict[str, Any] = app.openapi()["paths"][path][method]["responses"]
    return responses


def test_errors_are_documented_with_the_envelope(app: FastAPI) -> None:
    conversation = responses_of(app, "/api/conversations/{conversation_id}", "get")
    chat = responses_of(app, "/api/chat", "post")
    assert {"404", "422", "429", "503"} <= set(conversation)
    assert {"400", "404", "413", "422", "429", "502", "503", "504"} <= set(chat)
    secured = "security" in app.openapi()["paths"]["/api/chat"]["post"]
    assert ("401" in chat) == secured
    for responses in (conversation, chat):
        for status, response in responses.items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == ENVELOPE, status
    assert "HTTPValidationError" not in app.openapi()["components"]["schemas"]


def test_every_secured_operation_documents_401_and_429(app: FastAPI) -> None:
    """A route that asks for a credential can refuse one, and every owner is rate limited."""
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            if operation.get("security"):
                assert {"401", "429"} <= set(operation["responses"]), (method, path)


def test_field_constraints_are_documented(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    batch = schemas["BatchRequest"]["properties"]
    assert batch["prompts"]["items"]["maxLength"] == 100_000
    assert batch["prompts"]["items"]["pattern"] == r"\S"
    assert batch["max_tokens"]["anyOf"][0] == {
        "maximum": 1_000_000,
        "minimum": 1,
        "type": "integer",
    }
    offset = next(
        parameter
        for parameter in app.openapi()["paths"]["/api/conversations"]["get"]["parameters"]
        if parameter["name"] == "offset"
    )
    assert offset["schema"]["maximum"] == 1_000_000


async def test_options_and_405_name_every_method_of_a_path(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    path = "/api/conversations/0123456789abcdef"
    options = await client.options(path, headers=auth_headers)
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, DELETE, OPTIONS"
    refused = await client.put(path, headers=auth_headers)
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, DELETE, OPTIONS"
    assert refused.json()["code"] == 405
    assert (await client.options("/v1/chat/completions")).headers["allow"] == "POST, OPTIONS"
    assert (await client.options("/nowhere")).status_code == 404
