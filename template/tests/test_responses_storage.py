"""Stored responses are conversations: `previous_response_id` continues one the caller owns,
`item_reference` names a stored answer, and `store: false` keeps nothing to continue."""

import json

import openai
import pytest
from openai.types.responses import FunctionToolParam, ResponseFunctionToolCall
from openai.types.responses.response_input_item_param import ItemReference

from app.settings import Settings
from tests.servers import local_client

pytestmark = pytest.mark.anyio

WEATHER: FunctionToolParam = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    "strict": False,
}


async def test_previous_response_id_continues_the_stored_conversation(
    openai_sdk: openai.AsyncOpenAI,
    settings: Settings,
    served: str,
    auth_headers: dict[str, str],
) -> None:
    first = await openai_sdk.responses.create(
        model=settings.llm_model, input="Use get_weather", tools=[WEATHER]
    )
    (call,) = first.output
    assert isinstance(call, ResponseFunctionToolCall)
    second = await openai_sdk.responses.create(
        model=settings.llm_model,
        previous_response_id=first.id,
        instructions="Not stored: for this call only.",
        tools=[WEATHER],
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "Snow"}],
    )
    assert second.id == first.id
    assert second.previous_response_id == first.id
    assert second.output_text.endswith("The tool get_weather returned: Snow")

    async with local_client(base_url=served, headers=auth_headers) as client:
        stored = await client.get(f"/api/conversations/{first.id}")
        usage = await client.get("/api/usage")
    messages = stored.json()["data"]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant"]
    assert messages[1]["tool_calls"][0]["id"] == call.call_id
    assert "Not stored" not in json.dumps(messages)
    (row,) = usage.json()["data"]["items"]
    assert row["requests"] == 2


async def test_an_item_reference_names_a_stored_answer(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    first = await openai_sdk.responses.create(model=settings.llm_model, input="remember me")
    answer = first.output[0]
    assert answer.id is not None
    second = await openai_sdk.responses.create(
        model=settings.llm_model,
        input=[
            {"role": "user", "content": "remember me"},
            ItemReference(type="item_reference", id=answer.id),
            {"role": "user", "content": "and now?"},
        ],
    )
    assert second.output_text.endswith("You said: and now?")
    with pytest.raises(openai.NotFoundError) as missing:
        await openai_sdk.responses.create(
            model=settings.llm_model,
            input=[
                ItemReference(type="item_reference", id="msg_unknown"),
                {"role": "user", "content": "x"},
            ],
        )
    assert "msg_unknown" in missing.value.message


async def test_store_false_keeps_nothing_to_continue(
    openai_sdk: openai.AsyncOpenAI, settings: Settings, served: str, auth_headers: dict[str, str]
) -> None:
    response = await openai_sdk.responses.create(
        model=settings.llm_model, input="ephemeral", store=False
    )
    assert response.id.startswith("resp_")
    assert response.model_dump()["store"] is False
    with pytest.raises(openai.NotFoundError):
        await openai_sdk.responses.create(
            model=settings.llm_model, input="more", previous_response_id=response.id
        )
    with pytest.raises(openai.BadRequestError) as refused:
        await openai_sdk.responses.create(
            model=settings.llm_model, input="more", previous_response_id="x", store=False
        )
    assert "previous_response_id: continuing a response needs store: true" in refused.value.message
    async with local_client(base_url=served, headers=auth_headers) as client:
        listed = await client.get("/api/conversations")
    assert listed.json()["data"]["count"] == 0
