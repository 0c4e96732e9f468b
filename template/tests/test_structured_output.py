"""Structured output: `response_format` (Chat Completions, `/api/chat`) and `text.format`
(Responses), parsed by the official SDK into typed objects; the fake model answers a
deterministic instance of the schema."""

import json
from typing import Any, Literal

import openai
import pytest
from pydantic import BaseModel, Field

from app.llm.json_example import example_of
from app.settings import Settings
from tests.servers import local_client

pytestmark = pytest.mark.anyio


class Forecast(BaseModel):
    city: str
    days: int = Field(ge=1)
    rain: bool
    sky: Literal["clear", "cloudy"]
    hours: list[float]
    note: str | None


async def test_chat_completions_parse_a_json_schema_answer(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    completion = await openai_sdk.chat.completions.parse(
        model=settings.llm_model,
        messages=[{"role": "user", "content": "The forecast, please"}],
        response_format=Forecast,
    )
    parsed = completion.choices[0].message.parsed
    assert parsed == Forecast(
        city="example", days=1, rain=True, sky="clear", hours=[0.0], note="example"
    )


async def test_json_object_answers_one_json_object(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    completion = await openai_sdk.chat.completions.create(
        model=settings.llm_model,
        messages=[{"role": "user", "content": "hi"}],
        response_format={"type": "json_object"},
    )
    content = completion.choices[0].message.content
    assert content is not None
    assert json.loads(content)["answer"].endswith("You said: hi")


async def test_responses_parse_a_text_format(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    response = await openai_sdk.responses.parse(
        model=settings.llm_model, input="The forecast", text_format=Forecast
    )
    assert isinstance(response.output_parsed, Forecast)
    assert response.output_parsed.sky == "clear"
    assert response.text is not None
    assert response.text.format is not None
    assert response.text.format.type == "json_schema"


async def test_api_chat_takes_a_response_format(served: str, auth_headers: dict[str, str]) -> None:
    body = {
        "messages": [{"role": "user", "content": "a forecast"}],
        "response_format": {
            "type": "json_schema",
            "name": "forecast",
            "schema": Forecast.model_json_schema(),
        },
    }
    async with local_client(base_url=served, headers=auth_headers) as client:
        response = await client.post("/api/chat", json=body)
        missing = await client.post(
            "/api/chat", json={**body, "response_format": {"type": "json_schema"}}
        )
    assert Forecast.model_validate_json(response.json()["data"]["content"]).days == 1
    assert missing.status_code == 422
    assert missing.json()["message"].startswith("response_format.schema: ")


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ({"type": "string", "format": "date"}, "2026-01-01"),
        ({"type": "string", "minLength": 10}, "examplexxx"),
        ({"type": "integer", "exclusiveMinimum": 5}, 6),
        ({"type": "number", "maximum": -2}, -2.0),
        ({"enum": ["b", "a"]}, "b"),
        ({"const": 3}, 3),
        ({"type": ["null", "boolean"]}, True),
        ({"anyOf": [{"type": "null"}, {"type": "integer"}]}, 0),
        ({"type": "array", "items": {"type": "string"}, "minItems": 2}, ["example", "example"]),
        ({"type": "object", "properties": {"a": {"type": "string"}}}, {}),
        (
            {
                "type": "object",
                "properties": {"a": {"$ref": "#/$defs/A"}},
                "required": ["a"],
                "$defs": {
                    "A": {"allOf": [{"properties": {"b": {"default": 7}}, "required": ["b"]}]}
                },
            },
            {"a": {"b": 7}},
        ),
    ],
)
def test_the_fake_json_is_an_instance_of_the_schema(schema: dict[str, Any], instance: Any) -> None:
    assert example_of(schema) == instance


def test_recursive_schemas_end() -> None:
    tree = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
                "required": ["children"],
            }
        },
        "$ref": "#/$defs/Node",
    }
    depth, node = 0, example_of(tree)
    while node["children"]:
        node, depth = node["children"][0], depth + 1
    assert 0 < depth < 20
    assert node == {"children": []}


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": "not an object", "required": ["a"]},
        {"type": "array", "items": {"type": "string"}, "minItems": 10**9},
        {"type": "string", "minLength": "long"},
    ],
)
async def test_an_unusable_schema_is_refused_not_a_crash(
    openai_sdk: openai.AsyncOpenAI, settings: Settings, schema: dict[str, Any]
) -> None:
    for stream in (False, True):
        with pytest.raises(openai.BadRequestError) as caught:
            await openai_sdk.chat.completions.create(
                model=settings.llm_model,
                messages=[{"role": "user", "content": "json"}],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "x", "schema": schema},
                },
                stream=stream,
            )
        assert "the schema of 'x' is unusable" in caught.value.message
