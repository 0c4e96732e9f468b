"""`/v1/responses` with the official `openai` SDK over a real socket: text and item input,
`instructions`, the documented stream of events, tools, and stored responses continued with
`previous_response_id` (they are conversations)."""

import json

import openai
import pytest
from openai.types.responses import FunctionToolParam, ResponseFunctionToolCall

from app.settings import Settings

pytestmark = pytest.mark.anyio

FAKE_PREAMBLE = "This is the fake model (set LLM_PROVIDER and an API key for a real one)."
WEATHER: FunctionToolParam = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


async def test_text_input_is_answered(openai_sdk: openai.AsyncOpenAI, settings: Settings) -> None:
    response = await openai_sdk.responses.create(model=settings.llm_model, input="hello there")
    assert response.object == "response"
    assert response.status == "completed"
    assert response.output_text == f"{FAKE_PREAMBLE} You said: hello there"
    (message,) = response.output
    assert message.type == "message"
    assert message.id.startswith("msg_")
    assert response.usage is not None
    assert response.usage.output_tokens == len(response.output_text.split())
    assert response.usage.total_tokens == (
        response.usage.input_tokens + response.usage.output_tokens
    )


async def test_message_items_and_instructions(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    response = await openai_sdk.responses.create(
        model=settings.llm_model,
        instructions="Answer in French.",
        input=[
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "input_text", "text": "first"}]},
            {"role": "assistant", "content": "ok"},
            {"type": "message", "role": "user", "content": "second"},
        ],
    )
    assert response.output_text.endswith("You said: second")
    assert response.instructions == "Answer in French."


async def test_the_stream_is_the_documented_sequence_of_events(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    stream = await openai_sdk.responses.create(
        model=settings.llm_model, input="stream this", stream=True
    )
    events = [event async for event in stream]
    kinds = [event.type for event in events]
    deltas = kinds.count("response.output_text.delta")
    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * deltas,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == f"{FAKE_PREAMBLE} You said: stream this"
    done = events[-1]
    assert done.type == "response.completed"
    assert done.response.output_text == text
    assert done.response.usage is not None
    assert done.response.usage.output_tokens == deltas


async def test_the_sdk_stream_helper_assembles_the_response(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    async with openai_sdk.responses.stream(model=settings.llm_model, input="hi") as stream:
        final = await stream.get_final_response()
    assert final.output_text.endswith("You said: hi")


async def test_a_cut_answer_is_incomplete(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    response = await openai_sdk.responses.create(
        model=settings.llm_model, input="hi", max_output_tokens=3
    )
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.output_text == "This is the"
    stream = await openai_sdk.responses.create(
        model=settings.llm_model, input="hi", max_output_tokens=3, stream=True
    )
    assert [event.type async for event in stream][-1] == "response.incomplete"


async def test_a_function_call_and_its_output(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    question = "What is the weather? Use get_weather."
    response = await openai_sdk.responses.create(
        model=settings.llm_model, input=question, tools=[WEATHER]
    )
    (call,) = response.output
    assert isinstance(call, ResponseFunctionToolCall)
    assert call.name == "get_weather"
    assert json.loads(call.arguments) == {"city": "example"}
    assert response.tools[0].type == "function"

    # Stateless: the whole exchange sent back, as agents do.
    answer = await openai_sdk.responses.create(
        model=settings.llm_model,
        store=False,
        tools=[WEATHER],
        input=[
            {"role": "user", "content": question},
            {
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            },
            {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny"},
        ],
    )
    assert answer.output_text.endswith("The tool get_weather returned: Sunny")


async def test_function_calls_stream_their_arguments(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    stream = await openai_sdk.responses.create(
        model=settings.llm_model, input="use get_weather", tools=[WEATHER], stream=True
    )
    events = [event async for event in stream]
    kinds = [event.type for event in events]
    assert kinds[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert kinds[-3:] == [
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    pieces = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    assert len(pieces) > 1
    completed = events[-1]
    assert completed.type == "response.completed"
    (call,) = completed.response.output
    assert isinstance(call, ResponseFunctionToolCall)
    assert call.arguments == "".join(pieces)
    assert json.loads(call.arguments) == {"city": "example"}


async def test_the_usual_chat_rules_apply(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as unknown_model:
        await openai_sdk.responses.create(model="no-such-model", input="hi")
    assert "no-such-model" in unknown_model.value.message
    with pytest.raises(openai.UnprocessableEntityError) as too_long:
        await openai_sdk.responses.create(
            model=settings.llm_model, input="x" * (settings.chat_max_message_chars + 1)
        )
    assert "at most" in too_long.value.message


async def test_errors_name_the_item_as_it_was_sent(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    too_long = "x" * (settings.chat_max_message_chars + 1)
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        await openai_sdk.responses.create(
            model=settings.llm_model,
            input=[
                {"role": "user", "content": "Weather?"},
                {"role": "assistant", "content": "Checking."},
                {
                    "type": "function_call",
                    "call_id": "c1",
                    "name": "get_weather",
                    "arguments": "{}",
                },
                {"type": "function_call_output", "call_id": "c1", "output": "Sunny"},
                {"role": "user", "content": too_long},
            ],
        )
    assert f"input.4.content: at most {settings.chat_max_message_chars} characters" in (
        caught.value.message
    )
