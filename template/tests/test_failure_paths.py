"""What a client receives when the model fails: half-way through a `/v1` or WebSocket stream,
for one prompt of a batch, and while the provider is retried (with waits, not a hammering)."""

import json

import httpx2
import pytest
from websockets.asyncio.client import connect

from app.main import create_app
from app.settings import Settings
from tests.conftest import running
from tests.fake_upstream import FakeUpstream, Reply
from tests.servers import serve

pytestmark = pytest.mark.anyio

UPSTREAM_TEXT = Reply().text
INTERRUPTED = "The model stream was interrupted"


def data_events(text: str) -> list[str]:
    return [line.removeprefix("data: ") for line in text.split("\n") if line.startswith("data: ")]


async def test_a_v1_stream_that_breaks_ends_with_the_error_and_nothing_after(
    provider_client: httpx2.AsyncClient,
    provider_settings: Settings,
    upstream: FakeUpstream,
    auth_headers: dict[str, str],
) -> None:
    upstream.queue(Reply(break_after=2))
    response = await provider_client.post(
        "/v1/chat/completions",
        json={
            "model": provider_settings.llm_model,
            "messages": [{"role": "user", "content": "hi"}],
            "stream": True,
            "stream_options": {"include_usage": True},
        },
        headers=auth_headers,
    )
    assert response.status_code == 200
    events = data_events(response.text)
    assert "[DONE]" not in events
    chunks = [json.loads(event) for event in events]
    assert chunks[-1] == {"error": {"message": INTERRUPTED, "type": "api_error"}}
    deltas = [chunk["choices"][0] for chunk in chunks[:-1]]
    assert [choice["delta"].get("content") for choice in deltas] == ["", *Reply().pieces[:2]]
    # No normal finish: a client must not take the half answer for a whole one.
    assert all(choice["finish_reason"] is None for choice in deltas)


async def test_a_websocket_turn_that_breaks_sends_the_error_and_the_socket_goes_on(
    provider_settings: Settings, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    upstream.queue(Reply(break_after=2))
    turn = json.dumps({"messages": [{"role": "user", "content": "hi"}]})
    with serve(create_app(provider_settings)) as base_url:
        url = base_url.replace("http", "ws", 1) + "/ws/chat"
        async with connect(url, additional_headers=auth_headers) as websocket:
            await websocket.send(turn)
            frames = [json.loads(await websocket.recv()) for _ in range(3)]
            assert "".join(frame["content"] for frame in frames[:2]) == "".join(Reply().pieces[:2])
            assert frames[2] == {"error": INTERRUPTED}
            await websocket.send(turn)
            answer = ""
            while (frame := await websocket.recv()) != "[DONE]":
                answer += json.loads(frame)["content"]
    assert answer == UPSTREAM_TEXT


async def test_a_failing_prompt_in_a_batch_fails_alone(
    provider_client: httpx2.AsyncClient, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    upstream.queue(Reply(status=400))
    response = await provider_client.post(
        "/api/chat/batch", json={"prompts": ["one", "two"]}, headers=auth_headers
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["succeeded"], data["failed"]) == (1, 1)
    failed = [item for item in data["items"] if item["error"] is not None]
    answered = [item for item in data["items"] if item["error"] is None]
    assert failed[0]["error"].startswith("The model provider refused the request")
    assert failed[0]["content"] is None
    assert answered[0]["content"] == UPSTREAM_TEXT
    assert sorted(item["index"] for item in data["items"]) == [0, 1]
    usage = (await provider_client.get("/api/usage", headers=auth_headers)).json()["data"]
    assert [row["requests"] for row in usage["items"]] == [1]


async def test_retries_wait_longer_each_time(
    provider_settings: Settings, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    """Backoff of 0.4 s doubling: the provider sees the attempts at least 0.4 s, then 0.8 s
    apart, and the client gets the answer of the third."""
    patient = provider_settings.model_copy(
        update={"llm_retry_base_seconds": 0.4, "llm_max_retries": 2}
    )
    upstream.queue(Reply(status=503), Reply(status=503))
    async with running(create_app(patient)) as client:
        response = await client.post(
            "/api/chat",
            json={"messages": [{"role": "user", "content": "hi"}]},
            headers=auth_headers,
        )
    assert response.status_code == 200
    assert response.json()["data"]["content"] == UPSTREAM_TEXT
    times = [request.at for request in upstream.requests]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.4
    assert times[2] - times[1] >= 0.8
