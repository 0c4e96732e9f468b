"""One error envelope everywhere, with the right status, and never a traceback."""

import http.client
import json
from collections.abc import AsyncIterator

import httpx2
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from tests.servers import serve

pytestmark = pytest.mark.anyio


async def test_unknown_route_is_a_404_envelope(client: httpx2.AsyncClient) -> None:
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not Found"}


async def test_validation_error_is_a_422_envelope(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/chat",
        json={"messages": [{"role": "user", "content": "hi"}], "temperature": 3},
        headers=auth_headers,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == 422
    assert body["message"].startswith("temperature:")
    assert body["detail"][0]["loc"] == ["body", "temperature"]


async def test_malformed_json_is_a_422_envelope(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/chat",
        content=b'{"messages": [',
        headers={**auth_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == 422


async def test_unexpected_error_is_a_500_envelope_without_traceback(
    app: FastAPI, client: httpx2.AsyncClient
) -> None:
    async def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/explode", explode)
    response = await client.get("/explode")
    assert response.status_code == 500
    assert response.json() == {"code": 500, "message": "Internal server error"}
    assert "secret internals" not in response.text


def test_after_an_unexpected_error_the_connection_stays_usable(settings: Settings) -> None:
    """Against a real server, on one keep-alive connection: the 500 is an envelope, and the
    next request on the same connection is answered."""
    app = create_app(settings)

    async def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/explode", explode)
    with serve(app) as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/explode")
        failed = connection.getresponse()
        body = json.loads(failed.read())
        connection.request("GET", "/health")
        after = connection.getresponse()
        after.read()
        connection.close()
    assert failed.status == 500
    assert body == {"code": 500, "message": "Internal server error"}
    assert after.status == 200


async def test_oversized_body_is_a_413(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    huge = "x" * (1024 * 1024 + 1)
    response = await client.post(
        "/api/chat", json={"messages": [{"role": "user", "content": huge}]}, headers=auth_headers
    )
    assert response.status_code == 413
    assert response.json()["code"] == 413


async def test_streamed_oversized_body_is_cut_off_with_413(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(2048):
            yield b"x" * 1024

    response = await client.post(
        "/api/chat",
        content=chunks(),  # no Content-Length: the limit is enforced while reading
        headers={**auth_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413


async def test_json_answers_are_gzipped_when_large(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.get(
        "/openapi.json", headers={**auth_headers, "Accept-Encoding": "gzip"}
    )
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["info"]["title"]
    small = await client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    page = await client.get("/", headers={"Accept-Encoding": "gzip"})  # HTML: JSON only
    assert "content-encoding" not in page.headers
