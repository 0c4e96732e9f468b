"""What each answered call leaves behind: one usage row naming the way it came in, with the
tokens the client was told about, a conversation only where the transport keeps one, and a
failed call counted as an error; calls reserve their output cap before they start."""

import anyio
import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from app.main import create_app
from app.settings import Settings
from tests.conftest import ClientFactory, connected, running
from tests.fake_upstream import FakeUpstream, Reply
from tests.transports import exchange

pytestmark = pytest.mark.anyio

# The name each transport's usage rows carry, and whether it keeps a conversation.
ENDPOINTS = {
    "json": ("chat", True),
    "sse": ("chat", True),
    "websocket": ("ws.chat", True),
    "batch": ("chat.batch", False),
    "openai": ("v1.chat.completions", False),
    "openai-stream": ("v1.chat.completions", False),
}


async def usage_rows(database_url: str) -> list[tuple[object, ...]]:
    async with connected(database_url) as connection:
        result = await connection.execute(
            text(
                "SELECT owner_id, provider, model, endpoint, conversation_id,"
                " prompt_tokens, completion_tokens FROM usage_records"
            )
        )
        return [tuple(row) for row in result]


@pytest.mark.parametrize("transport", list(ENDPOINTS))
async def test_an_answered_call_leaves_one_usage_row_named_for_its_transport(
    transport: str,
    served: str,
    settings: Settings,
    database_url: str,
    owner_id: str,
    auth_headers: dict[str, str],
) -> None:
    answer = await exchange(
        transport, served, auth_headers, llm_model=settings.llm_model, content="hello"
    )
    assert answer.status == 200
    assert answer.content
    [(owner, provider, model, endpoint, conversation_id, prompt, completion)] = await usage_rows(
        database_url
    )
    name, conversational = ENDPOINTS[transport]
    assert (owner, provider, model, endpoint) == (owner_id, "fake", settings.llm_model, name)
    assert (conversation_id is not None) == conversational
    assert isinstance(prompt, int)
    assert isinstance(completion, int)
    assert prompt > 0
    assert completion > 0


async def test_a_failed_call_is_counted_as_an_error_and_leaves_no_usage(
    provider_settings: Settings,
    upstream: FakeUpstream,
    database_url: str,
    auth_headers: dict[str, str],
) -> None:
    upstream.queue(Reply(status=400))
    async with running(create_app(provider_settings)) as client:
        failed = await client.post(
            "/api/chat", json={"messages": [{"role": "user", "content": "x"}]}, headers=auth_headers
        )
        exported = (await client.get("/metrics")).text
    assert failed.status_code == 400
    samples = {
        (sample.name, sample.labels.get("outcome")): sample.value
        for family in text_string_to_metric_families(exported)
        for sample in family.samples
        if sample.name == "llm_requests_total"
    }
    assert {outcome: value for (_, outcome), value in samples.items() if value} == {"error": 1.0}
    assert await usage_rows(database_url) == []


async def test_the_time_to_first_token_is_measured_in_seconds(
    client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> None:
    for stream in (False, True):
        answered = await client.post(
            "/api/chat",
            json={"messages": [{"role": "user", "content": "x"}], "stream": stream},
            headers=auth_headers,
        )
        assert answered.status_code == 200
    observed = {
        sample.name: sample.value
        for family in text_string_to_metric_families((await client.get("/metrics")).text)
        for sample in family.samples
        if sample.name.startswith("llm_time_to_first_token_seconds_")
    }
    assert observed["llm_time_to_first_token_seconds_count"] == 2.0
    # Two answers from a local model: well under a minute, never a clock reading.
    assert 0 < observed["llm_time_to_first_token_seconds_sum"] < 60


async def test_a_call_without_max_tokens_reserves_the_output_cap(
    client_with: ClientFactory, auth_headers: dict[str, str]
) -> None:
    """A budget smaller than the output cap refuses a call that could use the whole cap,
    and takes one that says it needs less."""
    chat = {"messages": [{"role": "user", "content": "hi"}]}
    async with client_with(token_budget_per_day=900, chat_max_output_tokens=1000) as client:
        uncapped = await client.post("/api/chat", json=chat, headers=auth_headers)
        capped = await client.post(
            "/api/chat", json={**chat, "max_tokens": 100}, headers=auth_headers
        )
    assert uncapped.status_code == 429
    assert capped.status_code == 200


async def test_a_conversation_deleted_while_its_turn_is_answered_keeps_the_usage_not_the_turn(
    provider_settings: Settings,
    upstream: FakeUpstream,
    database_url: str,
    auth_headers: dict[str, str],
) -> None:
    """The client is told the turn was not stored (409, and why); the call's usage is."""
    upstream.queue(Reply(), Reply(delay=1.0))
    chat = {"messages": [{"role": "user", "content": "hello"}]}
    answers: list[httpx2.Response] = []
    async with running(create_app(provider_settings)) as client:
        first = await client.post("/api/chat", json=chat, headers=auth_headers)
        conversation_id = first.json()["data"]["conversation_id"]

        async def continue_conversation() -> None:
            answers.append(
                await client.post(
                    "/api/chat",
                    json={**chat, "conversation_id": conversation_id},
                    headers=auth_headers,
                )
            )

        async with anyio.create_task_group() as group:
            group.start_soon(continue_conversation)
            with anyio.fail_after(10):
                while len(upstream.requests) < 2:  # the model is answering the second turn
                    await anyio.sleep(0.01)
            deleted = await client.delete(
                f"/api/conversations/{conversation_id}", headers=auth_headers
            )
            assert deleted.status_code == 204
        found = await client.get(f"/api/conversations/{conversation_id}", headers=auth_headers)
    [refused] = answers
    assert refused.status_code == 409
    assert refused.json()["message"] == (
        "The conversation was deleted while it was being answered; nothing was stored"
    )
    assert found.status_code == 404
    rows = await usage_rows(database_url)
    assert [row[4] for row in rows] == [conversation_id, conversation_id]
    async with connected(database_url) as connection:
        messages = await connection.scalar(text("SELECT count(*) FROM messages"))
    assert messages == 0
