"""Every transport enters the chat service through its one `prepare`, so a rule holds alike on
`/api/chat` (JSON and SSE), `/api/chat/batch`, `/ws/chat`, `/v1/chat/completions` and
`/v1/responses`.

Driven against a real uvicorn server, as browsers and SDKs meet the service.
"""

import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx2
import pytest
from websockets.asyncio.client import connect

from app.main import create_app
from app.settings import Settings
from tests.servers import serve

pytestmark = pytest.mark.anyio

TRANSPORTS = ["json", "sse", "batch", "websocket", "openai", "responses"]
WITH_TOOLS = [transport for transport in TRANSPORTS if transport != "batch"]


Ask = Callable[..., Awaitable[tuple[int, str]]]


@pytest.fixture
def ask(settings: Settings, auth_headers: dict[str, str]) -> Iterator[Ask]:
    """Sends one chat request a transport's way to a real server; returns (status, error).

    Keyword arguments are the fields the transports share: `content`, and optionally `model`,
    `max_tokens`, `use_knowledge`. A status of 200 means the request was accepted.
    """
    with serve(create_app(settings)) as base_url:

        async def send(transport: str, content: str = "hi", **fields: Any) -> tuple[int, str]:
            messages = [{"role": "user", "content": content}]
            if transport == "websocket":
                return await _over_websocket(base_url, auth_headers, messages, fields)
            if transport == "batch":
                path, body = "/api/chat/batch", {"prompts": [content], **fields}
            elif transport == "openai":
                path = "/v1/chat/completions"
                body = {"model": settings.llm_model, "messages": messages, **fields}
            elif transport == "responses":
                path = "/v1/responses"
                if "max_tokens" in fields:
                    fields["max_output_tokens"] = fields.pop("max_tokens")
                body = {"model": settings.llm_model, "input": messages, **fields}
            else:
                path = "/api/chat"
                body = {"messages": messages, "stream": transport == "sse", **fields}
            async with httpx2.AsyncClient(base_url=base_url, headers=auth_headers) as client:
                response = await client.post(path, json=body, timeout=10)
            if response.status_code == 200:
                return 200, ""
            return response.status_code, str(response.json()["message"])

        yield send


async def _over_websocket(
    base_url: str, headers: dict[str, str], messages: list[dict[str, str]], fields: Any
) -> tuple[int, str]:
    url = base_url.replace("http", "ws", 1) + "/ws/chat"
    async with connect(url, additional_headers=headers) as websocket:
        await websocket.send(json.dumps({"messages": messages, **fields}))
        frame = json.loads(await websocket.recv())
    if "error" in frame:
        return int(frame["code"]), str(frame["error"])
    return 200, ""


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_ordinary_request_is_answered(transport: str, ask: Ask) -> None:
    assert await ask(transport) == (200, "")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_use_knowledge_is_refused_alike_without_a_knowledge_base(
    transport: str, ask: Ask
) -> None:
    status, message = await ask(transport, use_knowledge=True)
    assert status == 400
    assert message == "use_knowledge: this service has no knowledge base configured"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_unknown_model_is_refused_alike(transport: str, ask: Ask) -> None:
    status, message = await ask(transport, model="no-such-model")
    assert status == 422
    assert message.startswith("model: 'no-such-model' is not available")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_the_output_cap_is_enforced_alike(
    transport: str, ask: Ask, settings: Settings
) -> None:
    status, message = await ask(transport, max_tokens=settings.chat_max_output_tokens + 1)
    assert status == 422
    named = "max_output_tokens" if transport == "responses" else "max_tokens"
    assert message == f"{named}: at most {settings.chat_max_output_tokens}"


@pytest.mark.parametrize("transport", WITH_TOOLS)
async def test_a_tool_choice_needs_tools_alike(transport: str, ask: Ask) -> None:
    status, message = await ask(transport, tool_choice="required")
    assert status == 422
    assert message == "tool_choice: needs tools to choose from"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_over_long_message_is_refused_alike(
    transport: str, ask: Ask, settings: Settings
) -> None:
    status, message = await ask(transport, content="x" * (settings.chat_max_message_chars + 1))
    assert status == 422
    assert message.endswith(f"content: at most {settings.chat_max_message_chars} characters")
