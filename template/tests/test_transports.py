"""Every transport enters the chat service through its one `prepare`, so a rule holds alike on
`/api/chat` (JSON and SSE), `/api/chat/batch`, `/ws/chat` and `/v1/chat/completions`.

Driven against a real uvicorn server, as browsers and SDKs meet the service.
"""

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from app.main import create_app
from app.settings import Settings
from tests.servers import serve
from tests.transports import TRANSPORTS, exchange

pytestmark = pytest.mark.anyio

Ask = Callable[..., Awaitable[tuple[int, str]]]


@pytest.fixture
def ask(settings: Settings, auth_headers: dict[str, str]) -> Iterator[Ask]:
    """Sends one chat request a transport's way to a real server; returns (status, error).

    Keyword arguments are the fields the transports share: `content`, and optionally `model`,
    `max_tokens`. A status of 200 means the request was accepted.
    """
    with serve(create_app(settings)) as base_url:

        async def send(transport: str, content: str = "hi", **fields: Any) -> tuple[int, str]:
            answer = await exchange(
                transport,
                base_url,
                auth_headers,
                llm_model=settings.llm_model,
                content=content,
                **fields,
            )
            return answer.status, answer.error

        yield send


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_ordinary_request_is_answered(transport: str, ask: Ask) -> None:
    assert await ask(transport) == (200, "")


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
    assert message == f"max_tokens: at most {settings.chat_max_output_tokens}"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_over_long_message_is_refused_alike(
    transport: str, ask: Ask, settings: Settings
) -> None:
    status, message = await ask(transport, content="x" * (settings.chat_max_message_chars + 1))
    assert status == 422
    assert message.endswith(f"content: at most {settings.chat_max_message_chars} characters")
