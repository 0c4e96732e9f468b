"""The real provider SDK against a stand-in server: retries, key rotation, timeouts, upstream
errors before and during a stream, and the history that reaches the model."""

import json
import logging
import socket
import time
from typing import Any

import httpx2
import pytest

from app.main import create_app
from app.settings import Settings
from tests.conftest import PROVIDER, running
from tests.fake_upstream import FakeUpstream, Reply
from tests.transports import sse_data

pytestmark = pytest.mark.anyio

UPSTREAM_TEXT = Reply().text


def chat(content: str = "hi", **extra: object) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": content}], **extra}


async def test_answer_and_usage_come_from_the_provider(
    provider_client: httpx2.AsyncClient, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    response = await provider_client.post("/api/chat", json=chat("hello"), headers=auth_headers)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["content"] == UPSTREAM_TEXT
    assert data["usage"]["prompt_tokens"] == 11
    assert data["usage"]["completion_tokens"] == len(UPSTREAM_TEXT.split())
    sent = upstream.requests[0]
    assert sent.body["messages"][-1] == {"role": "user", "content": "hello"}
    assert sent.credential == "key-one"


async def test_stream_relays_upstream_tokens_and_usage(
    provider_client: httpx2.AsyncClient, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    response = await provider_client.post("/api/chat", json=chat(stream=True), headers=auth_headers)
    events = sse_data(response.text)
    assert events[-1] == "[DONE]"
    assert "".join(json.loads(e)["content"] for e in events[:-1]) == UPSTREAM_TEXT
    assert upstream.streams_completed == 1
    usage = (await provider_client.get("/api/usage", headers=auth_headers)).json()["data"]
    assert usage["items"][0]["prompt_tokens"] == 11
    assert usage["items"][0]["completion_tokens"] == len(UPSTREAM_TEXT.split())


async def test_5xx_is_retried_with_backoff(
    provider_client: httpx2.AsyncClient, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    upstream.queue(Reply(status=500), Reply(status=503))
    response = await provider_client.post("/api/chat", json=chat(), headers=auth_headers)
    assert response.status_code == 200
    assert len(upstream.requests) == 3


async def test_429_rotates_to_the_next_key_and_honours_retry_after(
    provider_client: httpx2.AsyncClient, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    upstream.queue(Reply(status=429, headers={"retry-after": "0.3"}))
    started = time.perf_counter()
    response = await provider_client.post("/api/chat", json=chat(), headers=auth_headers)
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.3
    assert [r.credential for r in upstream.requests] == ["key-one", "key-two"]


async def test_401_rotates_away_from_a_revoked_key(
    provider_client: httpx2.AsyncClient, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    upstream.queue(Reply(status=401))
    first = await provider_client.post("/api/chat", json=chat(), headers=auth_headers)
    second = await provider_client.post("/api/chat", json=chat(), headers=auth_headers)
    assert first.status_code == second.status_code == 200
    assert [r.credential for r in upstream.requests] == ["key-one", "key-two", "key-two"]


async def test_retries_exhausted_is_a_502_envelope(
    provider_client: httpx2.AsyncClient, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    upstream.default = Reply(status=502)
    response = await provider_client.post("/api/chat", json=chat(), headers=auth_headers)
    assert response.status_code == 502
    assert response.json() == {"code": 502, "message": "The model provider failed (502)"}
    assert len(upstream.requests) == 3  # LLM_MAX_RETRIES=2


async def test_upstream_rejection_is_a_400_and_not_retried(
    provider_client: httpx2.AsyncClient, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    upstream.queue(Reply(status=400))
    response = await provider_client.post("/api/chat", json=chat(), headers=auth_headers)
    assert response.status_code == 400
    assert response.json()["message"].startswith("The model provider refused the request")
    assert len(upstream.requests) == 1


async def test_slow_provider_is_a_504(
    provider_settings: Settings, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    upstream.default = Reply(delay=1.0)
    impatient = provider_settings.model_copy(
        update={"llm_timeout_seconds": 0.2, "llm_max_retries": 0}
    )
    async with running(create_app(impatient)) as client:
        response = await client.post("/api/chat", json=chat(), headers=auth_headers)
    assert response.status_code == 504
    assert response.json()["code"] == 504


async def test_unreachable_provider_is_a_502(
    provider_settings: Settings, auth_headers: dict[str, str]
) -> None:
    with socket.socket() as sock:  # a port that nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{closed_port}" + ("/v1" if PROVIDER == "openai" else "")
    unreachable = provider_settings.model_copy(
        update={"llm_base_url": base_url, "llm_max_retries": 1}
    )
    async with running(create_app(unreachable)) as client:
        response = await client.post("/api/chat", json=chat(stream=True), headers=auth_headers)
    assert response.status_code == 502
    assert response.headers["content-type"] == "application/json"
    assert response.json()["message"] == "Could not reach the model provider"


async def test_error_before_the_stream_starts_keeps_its_status(
    provider_client: httpx2.AsyncClient, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    upstream.default = Reply(status=500)
    response = await provider_client.post("/api/chat", json=chat(stream=True), headers=auth_headers)
    assert response.status_code == 502
    assert response.json()["code"] == 502


async def test_error_mid_stream_is_an_error_event_then_the_end(
    provider_client: httpx2.AsyncClient,
    upstream: FakeUpstream,
    auth_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    upstream.queue(Reply(break_after=3))
    with caplog.at_level(logging.WARNING):
        response = await provider_client.post(
            "/api/chat", json=chat(stream=True), headers=auth_headers
        )
    # The operator's log says why the stream ended.
    assert "chat stream ended with an error: The model stream was interrupted" in [
        record.getMessage() for record in caplog.records
    ]
    assert response.status_code == 200
    events = sse_data(response.text)
    assert [json.loads(e) for e in events[:3]] == [
        {"content": piece} for piece in Reply().pieces[:3]
    ]
    assert json.loads(events[3]) == {"error": "The model stream was interrupted"}
    assert len(events) == 4  # no [DONE] after an error


def system_and_messages(body: dict[str, Any]) -> tuple[str | None, list[tuple[str, str]]]:
    """A request's system prompt and (role, text) messages, as either provider's API
    carries them (Anthropic's system prompt is a field of its own; OpenAI's leads the list)."""
    messages = [(m["role"], m["content"]) for m in body["messages"]]
    if "system" in body:
        return body["system"], messages
    if messages and messages[0][0] == "system":
        return messages[0][1], messages[1:]
    return None, messages


async def test_history_reaches_the_model_trimmed_to_budget(
    provider_settings: Settings, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    short_memory = provider_settings.model_copy(
        update={"chat_history_max_turns": 2, "chat_system_prompt": "Be brief."}
    )
    async with running(create_app(short_memory)) as client:
        first = await client.post("/api/chat", json=chat("one"), headers=auth_headers)
        conversation_id = first.json()["data"]["conversation_id"]
        for content in ("two", "three"):
            await client.post(
                "/api/chat",
                json=chat(content, conversation_id=conversation_id),
                headers=auth_headers,
            )
    system, messages = system_and_messages(upstream.requests[-1].body)
    # The service's own system prompt leads, then the newest turns that fit.
    assert system == "Be brief."
    assert messages == [("user", "two"), ("assistant", UPSTREAM_TEXT), ("user", "three")]


async def test_the_services_system_prompt_leads_its_own_api_only(
    provider_settings: Settings, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    """`/api/chat` answers under CHAT_SYSTEM_PROMPT; OpenAI-compatible clients bring their
    own (`instructions` on `/v1/responses`), and the service adds nothing to it."""
    briefed = provider_settings.model_copy(update={"chat_system_prompt": "Be brief."})
    model = provider_settings.llm_model
    async with running(create_app(briefed)) as client:
        answers = [
            await client.post("/api/chat", json=chat("one"), headers=auth_headers),
            await client.post(
                "/v1/chat/completions", json={"model": model, **chat("two")}, headers=auth_headers
            ),
            await client.post(
                "/v1/responses",
                json={"model": model, "input": "three", "instructions": "Answer in French."},
                headers=auth_headers,
            ),
        ]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert [system_and_messages(sent.body) for sent in upstream.requests] == [
        ("Be brief.", [("user", "one")]),
        (None, [("user", "two")]),
        ("Answer in French.", [("user", "three")]),
    ]


@pytest.mark.parametrize("stream", [False, True])
async def test_the_clients_temperature_reaches_the_model(
    stream: bool,
    provider_client: httpx2.AsyncClient,
    upstream: FakeUpstream,
    auth_headers: dict[str, str],
) -> None:
    answered = await provider_client.post(
        "/api/chat", json=chat(temperature=0.3, stream=stream), headers=auth_headers
    )
    assert answered.status_code == 200
    # Anthropic's Messages API has no temperature: nothing is sent there.
    expected = None if PROVIDER == "anthropic" else 0.3
    assert upstream.requests[-1].body.get("temperature") == expected
