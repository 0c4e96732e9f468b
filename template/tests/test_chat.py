"""`POST /api/chat`: the JSON envelope, the SSE bytes, validation, and conversations."""

import json
from datetime import datetime, timedelta

import httpx2
import pytest

from tests.conftest import ClientFactory

pytestmark = pytest.mark.anyio

FAKE_REPLY = "This is the fake model (set LLM_PROVIDER and an API key for a real one). You said: hi"


def user(content: str) -> dict[str, str]:
    return {"role": "user", "content": content}


async def test_non_stream_answer_is_an_envelope(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.post("/api/chat", json={"messages": [user("hi")]}, headers=auth_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 200
    assert body["message"] == "success"
    data = body["data"]
    assert data["content"] == FAKE_REPLY
    assert data["usage"]["completion_tokens"] == len(FAKE_REPLY.split())
    assert data["usage"]["prompt_tokens"] > 0
    assert data["usage"]["total_tokens"] == (
        data["usage"]["prompt_tokens"] + data["usage"]["completion_tokens"]
    )
    assert len(data["conversation_id"]) == 32
    assert data["finish_reason"] == "stop"


async def test_stream_is_the_sse_format_byte_for_byte(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/chat", json={"messages": [user("hi")], "stream": True}, headers=auth_headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert len(response.headers["x-conversation-id"]) == 32
    raw = response.content
    assert raw.startswith(b'data: {"content": "This"}\n\ndata: {"content": " is"}\n\n')
    assert raw.endswith(b'data: {"content": " hi"}\n\ndata: [DONE]\n\n')
    events = [block for block in raw.decode().split("\n\n") if block]
    contents = [json.loads(e.removeprefix("data: "))["content"] for e in events[:-1]]
    assert "".join(contents) == FAKE_REPLY
    assert events[-1] == "data: [DONE]"


async def test_stream_keeps_unicode_readable(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/chat", json={"messages": [user("héllo 世界")], "stream": True}, headers=auth_headers
    )
    assert 'data: {"content": " 世界"}\n\n'.encode() in response.content


async def test_max_tokens_cuts_the_answer(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/chat", json={"messages": [user("hi")], "max_tokens": 3}, headers=auth_headers
    )
    data = response.json()["data"]
    assert data["content"] == "This is the"
    assert data["finish_reason"] == "length"
    assert data["usage"]["completion_tokens"] == 3


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages.0.role"),
        ({"messages": [{"role": "user", "content": ""}]}, "messages.0.content"),
        ({"messages": [user("hi")], "temperature": -0.1}, "temperature"),
        ({"messages": [user("hi")], "temperature": 2.1}, "temperature"),
        ({"messages": [user("hi")], "max_tokens": 0}, "max_tokens"),
        ({"messages": [user("hi")], "max_tokens": 1_000_000}, "max_tokens"),
        ({"messages": [user("hi")], "model": "no-such-model"}, "model"),
        ({"messages": [user("hi"), {"role": "assistant", "content": "x"}]}, "messages.1.role"),
        ({"messages": [{"role": "system", "content": "x"}, user("hi")]}, "messages.0.role"),
    ],
)
async def test_invalid_requests_are_422_with_the_field(
    client: httpx2.AsyncClient,
    auth_headers: dict[str, str],
    body: dict[str, object],
    where: str,
) -> None:
    response = await client.post("/api/chat", json=body, headers=auth_headers)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == 422
    assert error["message"].startswith(f"{where}:"), error["message"]


async def test_message_count_and_size_limits_come_from_settings(
    client_with: ClientFactory, auth_headers: dict[str, str]
) -> None:
    async with client_with(chat_max_messages=2, chat_max_message_chars=10) as client:
        too_many = await client.post(
            "/api/chat", json={"messages": [user("a"), user("b"), user("c")]}, headers=auth_headers
        )
        too_long = await client.post(
            "/api/chat", json={"messages": [user("x" * 11)]}, headers=auth_headers
        )
    assert too_many.status_code == 422
    assert too_many.json()["message"] == "messages: at most 2 messages"
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["loc"] == ["body", "messages", 0, "content"]


async def test_conversation_continues_and_is_listed(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    first = await client.post(
        "/api/chat", json={"messages": [user("first question")]}, headers=auth_headers
    )
    conversation_id = first.json()["data"]["conversation_id"]
    second = await client.post(
        "/api/chat",
        json={"messages": [user("second question")], "conversation_id": conversation_id},
        headers=auth_headers,
    )
    assert second.json()["data"]["conversation_id"] == conversation_id

    listed = (await client.get("/api/conversations", headers=auth_headers)).json()["data"]
    assert listed["count"] == 1
    assert listed["items"][0]["id"] == conversation_id
    assert listed["items"][0]["title"] == "first question"

    detail = await client.get(f"/api/conversations/{conversation_id}", headers=auth_headers)
    messages = detail.json()["data"]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[2]["content"] == "second question"
    # Timestamps read back from any database are timezone-aware UTC.
    for stamp in (detail.json()["data"]["created_at"], messages[0]["created_at"]):
        assert datetime.fromisoformat(stamp).utcoffset() == timedelta(0)


async def test_streamed_turn_is_stored_too(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/chat", json={"messages": [user("hi")], "stream": True}, headers=auth_headers
    )
    conversation_id = response.headers["x-conversation-id"]
    detail = await client.get(f"/api/conversations/{conversation_id}", headers=auth_headers)
    assert detail.status_code == 200
    messages = detail.json()["data"]["messages"]
    assert messages[1] == {**messages[1], "role": "assistant", "content": FAKE_REPLY}


async def test_unknown_conversation_is_404(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/chat",
        json={"messages": [user("hi")], "conversation_id": "0" * 32},
        headers=auth_headers,
    )
    assert response.status_code == 404
    assert (
        await client.get(f"/api/conversations/{'0' * 32}", headers=auth_headers)
    ).status_code == 404


async def test_delete_conversation(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    created = await client.post("/api/chat", json={"messages": [user("hi")]}, headers=auth_headers)
    conversation_id = created.json()["data"]["conversation_id"]
    deleted = await client.delete(f"/api/conversations/{conversation_id}", headers=auth_headers)
    assert deleted.status_code == 204
    again = await client.delete(f"/api/conversations/{conversation_id}", headers=auth_headers)
    assert again.status_code == 404
    listed = await client.get("/api/conversations", headers=auth_headers)
    assert listed.json()["data"]["count"] == 0


async def test_conversations_paginate_newest_first(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    for index in range(3):
        await client.post("/api/chat", json={"messages": [user(f"q{index}")]}, headers=auth_headers)
    page = await client.get("/api/conversations?limit=2&offset=0", headers=auth_headers)
    data = page.json()["data"]
    assert data["count"] == 3
    assert [item["title"] for item in data["items"]] == ["q2", "q1"]


async def test_batch_answers_each_prompt(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/chat/batch", json={"prompts": ["one", "two", "three"]}, headers=auth_headers
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["succeeded"] == 3
    assert data["failed"] == 0
    assert [item["index"] for item in data["items"]] == [0, 1, 2]
    assert data["items"][1]["content"].endswith("You said: two")


async def test_batch_size_is_limited(
    client_with: ClientFactory, auth_headers: dict[str, str]
) -> None:
    async with client_with(chat_batch_max_prompts=2) as client:
        response = await client.post(
            "/api/chat/batch", json={"prompts": ["a", "b", "c"]}, headers=auth_headers
        )
    assert response.status_code == 422
