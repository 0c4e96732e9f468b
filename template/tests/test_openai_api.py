"""`/v1`: the official `openai` SDK, unchanged, is the client."""

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import openai
import pytest
from fastapi import FastAPI

from app.settings import Settings
from tests.conftest import sdk_key
from tests.transports import sse_data

pytestmark = pytest.mark.anyio


@pytest.fixture
async def sdk(
    app: FastAPI, client: httpx2.AsyncClient, auth_headers: dict[str, str]
) -> AsyncIterator[openai.AsyncOpenAI]:
    """`client` keeps the app's lifespan open; the SDK talks to the same app in-process."""
    transport = httpx2.ASGITransport(app=app)
    async with (
        httpx2.AsyncClient(transport=transport) as http_client,
        openai.AsyncOpenAI(
            base_url="http://test/v1", api_key=sdk_key(auth_headers), http_client=http_client
        ) as sdk,
    ):
        yield sdk


async def test_models_are_listed(sdk: openai.AsyncOpenAI, settings: Settings) -> None:
    models = [model.id async for model in sdk.models.list()]
    assert models == settings.available_models


async def test_completion(sdk: openai.AsyncOpenAI, settings: Settings) -> None:
    completion = await sdk.chat.completions.create(
        model=settings.llm_model,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
        temperature=0.2,
    )
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content is not None
    assert completion.choices[0].message.content.endswith("You said: hi")
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


async def test_stream_with_usage(sdk: openai.AsyncOpenAI, settings: Settings) -> None:
    stream = await sdk.chat.completions.create(
        model=settings.llm_model,
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.endswith("You said: hi")
    assert chunks[0].choices[0].delta.role == "assistant"
    finishing = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishing[-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == len(text.split())
    assert len({c.id for c in chunks}) == 1


async def test_stream_without_usage_has_no_usage_chunk(
    sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    stream = await sdk.chat.completions.create(
        model=settings.llm_model, messages=[{"role": "user", "content": "hi"}], stream=True
    )
    chunks = [chunk async for chunk in stream]
    assert all(chunk.usage is None for chunk in chunks)
    assert all(chunk.choices for chunk in chunks)


async def test_invalid_request_surfaces_as_an_sdk_error(
    sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        await sdk.chat.completions.create(
            model=settings.llm_model, messages=[{"role": "user", "content": "hi"}], temperature=5
        )
    assert "temperature" in caught.value.message


async def test_unknown_model_is_refused(sdk: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        await sdk.chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "hi"}]
        )
    assert "no-such-model" in caught.value.message


@pytest.mark.parametrize("content", ["hi", "get_time"])  # text, and a streamed tool call
async def test_every_chunk_of_a_stream_belongs_to_one_completion(
    content: str, client: httpx2.AsyncClient, settings: Settings, auth_headers: dict[str, str]
) -> None:
    """The wire format itself (SDKs parse chunks leniently, so a missing field would pass
    them): one id, one creation time and the model asked for on every chunk, the usage
    chunk last, with no choices."""
    tool = {"type": "function", "function": {"name": "get_time", "description": "The time"}}
    response = await client.post(
        "/v1/chat/completions",
        json={
            "model": settings.llm_model,
            "messages": [{"role": "user", "content": content}],
            "tools": [tool],
            "stream": True,
            "stream_options": {"include_usage": True},
        },
        headers={"Authorization": f"Bearer {sdk_key(auth_headers)}"},
    )
    events = sse_data(response.text)
    assert events[-1] == "[DONE]"
    chunks: list[dict[str, Any]] = [json.loads(event) for event in events[:-1]]
    *answer, usage = chunks
    first = chunks[0]
    assert abs(first["created"] - time.time()) < 60
    for chunk in chunks:
        assert chunk["object"] == "chat.completion.chunk"
        assert (chunk["id"], chunk["created"], chunk["model"]) == (
            first["id"],
            first["created"],
            settings.llm_model,
        )
    assert all([choice["index"] for choice in chunk["choices"]] == [0] for chunk in answer)
    assert usage["choices"] == []
    tokens = usage["usage"]
    assert tokens["prompt_tokens"] > 0
    assert tokens["completion_tokens"] > 0
    assert tokens["total_tokens"] == tokens["prompt_tokens"] + tokens["completion_tokens"]
