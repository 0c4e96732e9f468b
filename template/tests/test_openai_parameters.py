"""Which OpenAI parameters the service honours, ignores or refuses (`app/openai_api/parameters.py`):
what it cannot honour is a 400 that names it, never silently dropped; what cannot change the
answer is accepted, and so is a parameter at its neutral value."""

from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionUserMessageParam

from app.settings import Settings
from tests.servers import local_client

pytestmark = pytest.mark.anyio


def user(content: str) -> ChatCompletionUserMessageParam:
    return {"role": "user", "content": content}


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"top_p": 0.5}, "top_p"),
        ({"logit_bias": {"50256": -100}}, "logit_bias"),
        ({"n": 2}, "n"),
        ({"stop": ["\n"]}, "stop"),
        ({"functions": [{"name": "get_time"}]}, "functions"),
        ({"logprobs": True}, "logprobs"),
        ({"tools": [{"type": "custom", "custom": {"name": "x"}}]}, "tools.0.type"),
        (
            {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
            "messages.0.content.0.type",
        ),
        ({"response_format": {"type": "grammar"}}, "response_format.type"),
    ],
)
async def test_chat_completions_refuse_what_they_cannot_honour(
    served: str,
    auth_headers: dict[str, str],
    settings: Settings,
    options: dict[str, Any],
    named: str,
) -> None:
    body = {"model": settings.llm_model, "messages": [user("get_time")], **options}
    async with local_client(base_url=served, headers=auth_headers) as client:
        response = await client.post("/v1/chat/completions", json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["message"].startswith(f"{named}: ")
    assert error["error"]["type"] == "invalid_request_error"


async def test_chat_completions_accept_harmless_and_neutral_parameters(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    completion = await openai_sdk.chat.completions.create(
        model=settings.llm_model,
        messages=[user("hi")],
        user="end-user-42",
        seed=7,
        metadata={"team": "web"},
        store=False,
        n=1,
        top_p=1,
        presence_penalty=0,
    )
    assert completion.choices[0].message.content is not None
    assert completion.choices[0].message.content.endswith("You said: hi")


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"tools": [{"type": "web_search"}]}, "tools.0.type"),
        ({"reasoning": {"effort": "high"}}, "reasoning"),
        ({"top_p": 0.2}, "top_p"),
        ({"include": ["message.output_text.logprobs"]}, "include"),
        ({"text": {"verbosity": "low"}}, "text.verbosity"),
        ({"tool_choice": {"type": "file_search"}}, "tool_choice"),
        ({"input": [{"type": "reasoning", "summary": []}]}, "input.0.type"),
        (
            {"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]},
            "input.0.content.0.type",
        ),
    ],
)
async def test_responses_refuse_what_they_cannot_honour(
    served: str,
    auth_headers: dict[str, str],
    settings: Settings,
    options: dict[str, Any],
    named: str,
) -> None:
    body = {"model": settings.llm_model, "input": "hi", **options}
    async with local_client(base_url=served, headers=auth_headers) as client:
        response = await client.post("/v1/responses", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"].startswith(f"{named}: ")


async def test_responses_accept_harmless_parameters(
    openai_sdk: openai.AsyncOpenAI, settings: Settings
) -> None:
    response = await openai_sdk.responses.create(
        model=settings.llm_model,
        input="hi",
        user="end-user-42",
        truncation="auto",
        include=["reasoning.encrypted_content"],
        metadata={"run": "7"},
        text={"verbosity": "medium"},
    )
    assert response.metadata == {"run": "7"}
    assert response.output_text.endswith("You said: hi")
