"""What a client receives when the model fails: half-way through a `/v1` or WebSocket stream,
for one prompt of a batch, and while the provider is retried (with waits, not a hammering);
and when a stream fails for a reason nobody foresaw."""

import json
import logging
from collections.abc import Iterator

import anyio
import httpx2
import pytest
from websockets.asyncio.client import connect

from app.main import create_app
from app.settings import Settings
from tests.conftest import execute, running
from tests.fake_upstream import FakeUpstream, Reply
from tests.servers import serve
from tests.transports import sse_data

pytestmark = pytest.mark.anyio

UPSTREAM_TEXT = Reply().text
INTERRUPTED = "The model stream was interrupted"


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
    events = sse_data(response.text)
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


@pytest.fixture
def usage_refused(database_url: str) -> Iterator[None]:
    """For one test the database refuses every usage row (a trigger), the way no code path
    of the service foresees: neither a deleted conversation nor an unavailable database."""
    if database_url.startswith("sqlite"):
        refuse = [
            "CREATE TRIGGER refuse_usage BEFORE INSERT ON usage_records "
            "BEGIN SELECT RAISE(ABORT, 'usage refused'); END"
        ]
        allow = ["DROP TRIGGER refuse_usage"]
    else:
        refuse = [
            "CREATE FUNCTION refuse_usage() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'usage refused'; END $$",
            "CREATE TRIGGER refuse_usage BEFORE INSERT ON usage_records "
            "FOR EACH ROW EXECUTE FUNCTION refuse_usage()",
        ]
        allow = ["DROP TRIGGER refuse_usage ON usage_records", "DROP FUNCTION refuse_usage()"]
    anyio.run(execute, database_url, *refuse)
    try:
        yield
    finally:
        anyio.run(execute, database_url, *allow)


@pytest.mark.usefixtures("usage_refused")
@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/api/chat", {"error": "Internal server error"}),
        (
            "/v1/chat/completions",
            {"error": {"message": "Internal server error", "type": "api_error"}},
        ),
    ],
)
async def test_a_streamed_turn_not_stored_for_an_unforeseen_reason_ends_without_done(
    path: str,
    error: dict[str, object],
    client: httpx2.AsyncClient,
    settings: Settings,
    auth_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The client is not told `[DONE]` for a turn that was not stored, nor why (the log
    keeps the cause)."""
    body: dict[str, object] = {"messages": [{"role": "user", "content": "hi"}], "stream": True}
    if path.startswith("/v1"):
        body["model"] = settings.llm_model
    with caplog.at_level(logging.ERROR):
        response = await client.post(path, json=body, headers=auth_headers)
    events = sse_data(response.text)
    assert json.loads(events[-1]) == error
    assert "[DONE]" not in events
    [record] = [r for r in caplog.records if r.getMessage() == "recording a streamed answer failed"]
    assert record.exc_info is not None
