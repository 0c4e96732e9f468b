"""Streaming over a real socket: unbuffered, never gzipped, kept alive, and cancelled
upstream the moment the client goes away (with the tokens produced so far still billed)."""

import json
import time

import anyio
import pytest

from app.main import create_app
from app.settings import Settings
from tests.conftest import sdk_key
from tests.fake_upstream import FakeUpstream, Reply
from tests.servers import local_client, serve

pytestmark = pytest.mark.anyio

CHAT = {"messages": [{"role": "user", "content": "tell me a long story"}], "stream": True}


async def test_stream_arrives_token_by_token_and_is_not_gzipped(
    settings: Settings, auth_headers: dict[str, str]
) -> None:
    with serve(create_app(settings.model_copy(update={"fake_llm_delay_ms": 60}))) as url:
        async with (
            local_client(base_url=url) as client,
            client.stream(
                "POST", "/api/chat", json=CHAT, headers={**auth_headers, "Accept-Encoding": "gzip"}
            ) as response,
        ):
            assert response.status_code == 200
            assert "content-encoding" not in response.headers
            assert response.headers["x-accel-buffering"] == "no"
            started = time.perf_counter()
            arrivals = []
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    arrivals.append(time.perf_counter() - started)
    total = arrivals[-1]
    assert len(arrivals) > 10
    assert arrivals[0] < total / 4, "the first token must not wait for the whole answer"


async def test_sse_framing_on_the_wire(settings: Settings, auth_headers: dict[str, str]) -> None:
    """The bytes a browser's `getReader()` sees: `data: <json>` events, then `data: [DONE]`."""
    hello = {"messages": [{"role": "user", "content": "hi"}], "stream": True}
    with serve(create_app(settings)) as url:
        async with local_client(base_url=url, headers=auth_headers) as client:
            response = await client.post("/api/chat", json=hello)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["transfer-encoding"] == "chunked"
    events = response.content.split(b"\n\n")
    assert events[-2:] == [b"data: [DONE]", b""]
    assert events[0] == b'data: {"content": "This"}'
    assert all(event.startswith(b'data: {"content": ') for event in events[:-2])


@pytest.mark.parametrize("path", ["/api/chat", "/v1/chat/completions"])
async def test_stream_text_travels_as_utf8_not_escapes(
    path: str, settings: Settings, auth_headers: dict[str, str]
) -> None:
    """Event payloads carry text as UTF-8 (a CJK character: 3 bytes, not a 6-byte `\\u`
    escape); the answer quotes the question."""
    question: dict[str, object] = {
        "messages": [{"role": "user", "content": "你好 Zoë"}],
        "stream": True,
    }
    headers = auth_headers
    if path.startswith("/v1"):  # as the OpenAI SDK sends them
        question["model"] = settings.llm_model
        headers = {"Authorization": f"Bearer {sdk_key(auth_headers)}"}
    with serve(create_app(settings)) as url:
        async with local_client(base_url=url, headers=headers) as client:
            response = await client.post(path, json=question)
    assert response.status_code == 200
    assert "你好".encode() in response.content
    assert "Zoë".encode() in response.content
    assert b"\\u" not in response.content


@pytest.mark.parametrize("ping_seconds", [0.05, 0])
async def test_keep_alive_comments_while_the_model_is_slow(
    ping_seconds: float, settings: Settings, auth_headers: dict[str, str]
) -> None:
    """Comment lines keep a slow stream alive and the whole answer still arrives after
    them; SSE_PING_SECONDS=0 sends none."""
    hello = {"messages": [{"role": "user", "content": "hi"}], "stream": True}
    slow = settings.model_copy(update={"fake_llm_delay_ms": 150, "sse_ping_seconds": ping_seconds})
    with serve(create_app(slow)) as url:
        async with local_client(base_url=url, headers=auth_headers) as client:
            response = await client.post("/api/chat", json=hello)
    lines = [line for line in response.text.split("\n") if line]
    pings = [line for line in lines if line == ": ping"]
    assert bool(pings) == bool(ping_seconds), lines
    assert lines[-1] == "data: [DONE]"
    text = "".join(
        json.loads(line.removeprefix("data: "))["content"]
        for line in lines[:-1]
        if line.startswith("data: ")
    )
    assert text.endswith("You said: hi")


async def test_client_disconnect_cancels_the_upstream_and_counts_tokens(
    provider_settings: Settings, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    upstream.queue(Reply(text="tok " * 400, chunk_delay=0.02))
    with serve(create_app(provider_settings)) as url:
        async with local_client(base_url=url, headers=auth_headers) as client:
            async with client.stream("POST", "/api/chat", json=CHAT) as response:
                received = 0
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        received += 1
                    if received == 5:
                        break  # the user closed the tab

            with anyio.fail_after(5):
                while upstream.streams_abandoned == 0:
                    await anyio.sleep(0.02)
            sent_when_closed = upstream.tokens_sent
            await anyio.sleep(0.3)
            assert upstream.tokens_sent == sent_when_closed, "tokens kept flowing upstream"
            assert upstream.tokens_sent < 100
            assert upstream.streams_completed == 0

            with anyio.fail_after(5):
                while not (usage := (await client.get("/api/usage")).json()["data"])["items"]:
                    await anyio.sleep(0.05)
    row = usage["items"][0]
    assert row["requests"] == 1
    assert 5 <= row["completion_tokens"] <= sent_when_closed
    assert row["prompt_tokens"] > 0
