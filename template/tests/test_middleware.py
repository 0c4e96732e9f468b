"""The request context (ids, security headers, metrics), the body limit and JSON-only GZip."""

from collections.abc import AsyncIterator

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response, StreamingResponse

pytestmark = pytest.mark.anyio


async def test_docs_keep_security_headers_but_no_csp(client: httpx2.AsyncClient) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" not in docs.headers  # Swagger UI loads from a CDN


async def test_a_routes_own_security_header_wins(app: FastAPI, client: httpx2.AsyncClient) -> None:
    async def embeddable() -> Response:
        return Response("ok", headers={"X-Frame-Options": "SAMEORIGIN"})

    app.add_api_route("/embeddable", embeddable)
    response = await client.get("/embeddable")
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_unmatched_paths_share_one_metrics_label(client: httpx2.AsyncClient) -> None:
    await client.get("/no/such/page")
    await client.get("/nor/this/one")
    metrics = (await client.get("/metrics")).text
    assert 'http_requests_total{method="GET",route="<unmatched>",status="404"} 2.0' in metrics
    assert "/no/such/page" not in metrics


async def test_large_json_is_gzipped_off_the_event_loop(
    app: FastAPI, client: httpx2.AsyncClient
) -> None:
    payload = {"items": [f"item number {i}" for i in range(20_000)]}  # ~400 KB of JSON

    async def big() -> JSONResponse:
        return JSONResponse(payload)

    app.add_api_route("/big", big)
    response = await client.get("/big", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) == response.num_bytes_downloaded
    assert response.num_bytes_downloaded < len(response.content) / 5
    assert response.json() == payload
    plain = await client.get("/big", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json() == payload


async def test_streamed_json_passes_through_uncompressed(
    app: FastAPI, client: httpx2.AsyncClient
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"items": ['
        yield b",".join(b'"%d"' % i for i in range(2000))
        yield b"]}"

    async def streamed() -> StreamingResponse:
        return StreamingResponse(chunks(), media_type="application/json")

    app.add_api_route("/streamed", streamed)
    response = await client.get("/streamed", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in response.headers
    assert len(response.json()["items"]) == 2000
