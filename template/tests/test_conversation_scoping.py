"""Each conversation is addressed by its own id: reading, continuing or deleting one never
touches its owner's other conversations, and a stored reply is found only by its own id."""

import httpx2
import pytest

pytestmark = pytest.mark.anyio


async def conversation(client: httpx2.AsyncClient, headers: dict[str, str], content: str) -> str:
    created = await client.post(
        "/api/chat", json={"messages": [{"role": "user", "content": content}]}, headers=headers
    )
    assert created.status_code == 200, created.text
    return str(created.json()["data"]["conversation_id"])


async def first_message(client: httpx2.AsyncClient, headers: dict[str, str], id_: str) -> str:
    found = await client.get(f"/api/conversations/{id_}", headers=headers)
    assert found.status_code == 200, found.text
    return str(found.json()["data"]["messages"][0]["content"])


async def test_each_conversation_is_read_and_deleted_by_its_own_id(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    first = await conversation(client, auth_headers, "first topic")
    second = await conversation(client, auth_headers, "second topic")
    assert await first_message(client, auth_headers, first) == "first topic"
    assert await first_message(client, auth_headers, second) == "second topic"

    deleted = await client.delete(f"/api/conversations/{first}", headers=auth_headers)
    assert deleted.status_code == 204
    assert (
        await client.get(f"/api/conversations/{first}", headers=auth_headers)
    ).status_code == 404
    assert await first_message(client, auth_headers, second) == "second topic"
    listed = (await client.get("/api/conversations", headers=auth_headers)).json()["data"]
    assert [item["id"] for item in listed["items"]] == [second]


async def test_a_stored_reply_is_referenced_only_by_its_own_id(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    model = (await client.get("/v1/models", headers=auth_headers)).json()["data"][0]["id"]
    stored = await client.post(
        "/v1/responses", json={"model": model, "input": "remember this"}, headers=auth_headers
    )
    assert stored.status_code == 200, stored.text
    unknown = "msg_" + "0" * 32
    referenced = await client.post(
        "/v1/responses",
        json={
            "model": model,
            "input": [
                {"type": "item_reference", "id": unknown},
                {"role": "user", "content": "and now?"},
            ],
        },
        headers=auth_headers,
    )
    assert referenced.status_code == 404
    assert unknown in referenced.json()["error"]["message"]
