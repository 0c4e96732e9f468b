"""A client that leaves half-way through a streamed answer, on every transport that streams:
the model upstream stops at once, and the tokens it did produce are still counted and billed."""

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
from websockets.asyncio.client import connect

from app.main import create_app
from app.settings import Settings
from tests.fake_upstream import FakeUpstream, Reply
from tests.servers import local_client, serve

pytestmark = pytest.mark.anyio

READ_BEFORE_LEAVING = 5
MESSAGES = [{"role": "user", "content": "tell me a long story"}]

Leave = Callable[[str, dict[str, str], str], Awaitable[None]]


def _sse_token(data: dict[str, Any]) -> bool:
    return bool(data.get("content"))


def _v1_token(data: dict[str, Any]) -> bool:
    return bool(data["choices"] and data["choices"][0]["delta"].get("content"))


def _responses_token(data: dict[str, Any]) -> bool:
    return bool(data["type"] == "response.output_text.delta")


async def _read_then_leave(
    base_url: str,
    headers: dict[str, str],
    path: str,
    body: dict[str, object],
    is_token: Callable[[dict[str, Any]], bool],
) -> None:
    """Reads the stream until READ_BEFORE_LEAVING tokens have arrived, then hangs up."""
    async with (
        local_client(base_url=base_url, headers=headers) as client,
        client.stream("POST", path, json=body, timeout=10) as response,
    ):
        assert response.status_code == 200
        received = 0
        async for line in response.aiter_lines():
            if line.startswith("data: {"):
                received += is_token(json.loads(line.removeprefix("data: ")))
            if received == READ_BEFORE_LEAVING:
                return  # the user closed the tab


async def _sse(base_url: str, headers: dict[str, str], _model: str) -> None:
    body = {"messages": MESSAGES, "stream": True}
    await _read_then_leave(base_url, headers, "/api/chat", body, _sse_token)


async def _v1(base_url: str, headers: dict[str, str], model: str) -> None:
    body = {"model": model, "messages": MESSAGES, "stream": True}
    await _read_then_leave(base_url, headers, "/v1/chat/completions", body, _v1_token)


async def _responses(base_url: str, headers: dict[str, str], model: str) -> None:
    body = {"model": model, "input": MESSAGES, "stream": True}
    await _read_then_leave(base_url, headers, "/v1/responses", body, _responses_token)


async def _websocket(base_url: str, headers: dict[str, str], _model: str) -> None:
    url = base_url.replace("http", "ws", 1) + "/ws/chat"
    async with connect(url, additional_headers=headers) as websocket:
        await websocket.send(json.dumps({"messages": MESSAGES}))
        for _ in range(READ_BEFORE_LEAVING):
            assert "content" in json.loads(await websocket.recv())


LEAVERS: dict[str, Leave] = {
    "sse": _sse,
    "openai-stream": _v1,
    "responses-stream": _responses,
    "websocket": _websocket,
}


@pytest.mark.parametrize("transport", list(LEAVERS))
async def test_usage_is_recorded_for_an_abandoned_stream(
    transport: str,
    provider_settings: Settings,
    upstream: FakeUpstream,
    auth_headers: dict[str, str],
) -> None:
    upstream.queue(Reply(text="tok " * 400, chunk_delay=0.02))
    with serve(create_app(provider_settings)) as url:
        await LEAVERS[transport](url, auth_headers, provider_settings.llm_model)
        with anyio.fail_after(5):
            while upstream.streams_abandoned == 0:
                await anyio.sleep(0.02)
        sent_when_closed = upstream.tokens_sent
        assert sent_when_closed < 100, "tokens kept flowing upstream"
        async with local_client(base_url=url, headers=auth_headers) as client:
            with anyio.fail_after(5):
                while not (usage := (await client.get("/api/usage")).json()["data"])["items"]:
                    await anyio.sleep(0.05)
    assert upstream.streams_completed == 0
    [row] = usage["items"]
    assert row["requests"] == 1
    assert READ_BEFORE_LEAVING <= row["completion_tokens"] <= sent_when_closed
    assert row["prompt_tokens"] > 0
    assert row["cost_usd"] > 0
