"""The model layer on its own: the outbound concurrency limit and token estimates."""

import time

import anyio
import httpx2
import pytest

from app.llm.base import CompletionRequest, Message, ProviderBusy
from app.llm.fake import FakeChatModel
from app.llm.limiter import LimitedChatModel
from app.llm.tokens import estimate_tokens
from tests.conftest import ClientFactory

pytestmark = pytest.mark.anyio

REQUEST = CompletionRequest(messages=[Message("user", "hi")], model="m")


async def test_concurrency_limit_queues_calls() -> None:
    model = LimitedChatModel(FakeChatModel(delay_seconds=0.01), max_concurrency=1, queue_timeout=5)
    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(model.complete, REQUEST)
    single = 0.01 * 18
    assert time.perf_counter() - started >= 3 * single * 0.9  # one after the other


async def test_a_stream_holds_its_slot_until_closed() -> None:
    model = LimitedChatModel(FakeChatModel(), max_concurrency=1, queue_timeout=0.05)
    stream = await model.open_stream(REQUEST)
    assert model.in_flight == 1
    with pytest.raises(ProviderBusy):
        await model.complete(REQUEST)
    await stream.aclose()
    assert model.in_flight == 0
    assert (await model.complete(REQUEST)).content


async def test_full_queue_is_a_503_with_retry_after(
    client_with: ClientFactory, auth_headers: dict[str, str]
) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}]}
    async with client_with(
        fake_llm_delay_ms=50, llm_max_concurrency=1, llm_queue_timeout_seconds=0.05
    ) as client:
        responses: list[httpx2.Response] = []

        async def call() -> None:
            responses.append(await client.post("/api/chat", json=body, headers=auth_headers))

        async with anyio.create_task_group() as group:
            group.start_soon(call)
            group.start_soon(call)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 503]
    busy = next(r for r in responses if r.status_code == 503)
    assert busy.headers["retry-after"] == "1"


def test_token_estimate_counts_words_and_long_words() -> None:
    assert estimate_tokens("hello world") == 4  # two 5-letter words, two pieces each
    assert estimate_tokens("a b c") == 3
    assert estimate_tokens("") == 0
    assert estimate_tokens("Hi, there!") == 5
