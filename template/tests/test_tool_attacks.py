"""Hostile tool, structured-output and Responses API bodies: each ends in a 4xx, never a 5xx,
on every endpoint that takes them."""

import json
from typing import Any

import httpx2
import pytest

from app.settings import Settings

pytestmark = pytest.mark.anyio

USER = {"role": "user", "content": "use get_weather"}
HUGE_ARRAY = {"type": "array", "items": {"type": "string"}, "minItems": 10**12}


def chat_bodies() -> dict[str, dict[str, Any]]:
    """Hostile `/api/chat` bodies (the flat shapes)."""
    return {
        "tools not a list": {"messages": [USER], "tools": "get_weather"},
        "a path for a tool name": {"messages": [USER], "tools": [{"name": "../etc/passwd"}]},
        "a tool name too long": {"messages": [USER], "tools": [{"name": "x" * 65}]},
        "parameters not an object": {
            "messages": [USER],
            "tools": [{"name": "get_weather", "parameters": "city"}],
        },
        "parameters no instance fits": {
            "messages": [USER],
            "tools": [{"name": "get_weather", "parameters": HUGE_ARRAY}],
        },
        "tool calls on a user message": {
            "messages": [{**USER, "tool_calls": [{"id": "c", "name": "get_weather"}]}]
        },
        "a tool result without its call": {"messages": [{"role": "tool", "content": "x"}]},
        "arguments not text": {
            "messages": [
                {"role": "tool", "tool_call_id": "c", "content": "x"},
                {"role": "assistant", "tool_calls": [{"id": "c", "name": "f", "arguments": {}}]},
            ]
        },
        "a call id too long": {
            "messages": [{"role": "tool", "tool_call_id": "c" * 500, "content": "x"}]
        },
        "a choice of nothing offered": {
            "messages": [USER],
            "tools": [{"name": "get_weather"}],
            "tool_choice": {"type": "function", "name": "rm_rf"},
        },
        "a schema that is text": {
            "messages": [USER],
            "response_format": {"type": "json_schema", "schema": "object"},
        },
        "a schema no instance fits": {
            "messages": [USER],
            "response_format": {"type": "json_schema", "schema": HUGE_ARRAY},
        },
    }


def completion_bodies(model: str) -> dict[str, dict[str, Any]]:
    """The same attacks in Chat Completions' shapes, and some of its own."""
    function = {"name": "get_weather", "parameters": HUGE_ARRAY}
    return {
        "tools not a list": {"model": model, "messages": [USER], "tools": {"a": 1}},
        "a tool without a function": {"model": model, "messages": [USER], "tools": [{}]},
        "parameters no instance fits": {
            "model": model,
            "messages": [USER],
            "tools": [{"type": "function", "function": function}],
        },
        "a call of another type": {
            "model": model,
            "messages": [{"role": "assistant", "tool_calls": [{"id": "c", "type": "x"}]}],
        },
        "a legacy function message": {
            "model": model,
            "messages": [{"role": "function", "name": "f", "content": "x"}],
        },
        "a choice that is a number": {"model": model, "messages": [USER], "tool_choice": 3},
        "a format without a schema": {
            "model": model,
            "messages": [USER],
            "response_format": {"type": "json_schema"},
        },
        "parallel calls as text": {
            "model": model,
            "messages": [USER],
            "parallel_tool_calls": "perhaps",
        },
    }


def responses_bodies(model: str) -> dict[str, dict[str, Any]]:
    return {
        "no input": {"model": model},
        "empty input": {"model": model, "input": []},
        "an item that is text": {"model": model, "input": ["hi"]},
        "an item of no known type": {"model": model, "input": [{"type": "computer_call"}]},
        "an output without its call": {
            "model": model,
            "input": [{"type": "function_call_output", "output": "x"}],
        },
        "a reference to nothing": {"model": model, "input": [{"type": "item_reference"}]},
        "a reference elsewhere": {
            "model": model,
            "input": [{"type": "item_reference", "id": "../../messages"}, USER],
        },
        "a hosted tool": {"model": model, "input": "hi", "tools": [{"type": "web_search"}]},
        "a function tool without a name": {"model": model, "input": "hi", "tools": [{}]},
        "a format of no known type": {
            "model": model,
            "input": "hi",
            "text": {"format": {"type": "xml"}},
        },
        "a path for a previous response": {
            "model": model,
            "input": "hi",
            "previous_response_id": "../../etc/passwd",
        },
        "a previous response without storage": {
            "model": model,
            "input": "hi",
            "previous_response_id": "x",
            "store": False,
        },
        "a negative output cap": {"model": model, "input": "hi", "max_output_tokens": -1},
    }


async def test_hostile_tool_bodies_are_refused(
    client: httpx2.AsyncClient, auth_headers: dict[str, str], settings: Settings
) -> None:
    model = settings.llm_model
    cases = [
        *(("/api/chat", name, body) for name, body in chat_bodies().items()),
        *(
            ("/api/chat", f"{name} (stream)", {**body, "stream": True})
            for name, body in chat_bodies().items()
        ),
        *(("/v1/chat/completions", name, body) for name, body in completion_bodies(model).items()),
        *(("/v1/responses", name, body) for name, body in responses_bodies(model).items()),
        *(
            ("/v1/responses", f"{name} (stream)", {**body, "stream": True})
            for name, body in responses_bodies(model).items()
        ),
    ]
    headers = {**auth_headers, "Content-Type": "application/json"}
    statuses = {}
    for path, name, body in cases:
        response = await client.post(path, content=json.dumps(body), headers=headers)
        statuses[f"{path} {name}"] = response.status_code
        assert "Traceback" not in response.text
    assert {case: status for case, status in statuses.items() if not 400 <= status < 500} == {}
