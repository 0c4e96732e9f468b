"""How the service treats a failing provider: keys take turns in order, a lone key is retried
as it is, and each wait between attempts is bounded (an answer is never held for long)."""

import itertools

import httpx2
import pytest
from pydantic import SecretStr

from app.main import create_app
from app.settings import Settings
from tests.conftest import running
from tests.fake_upstream import FakeUpstream, Reply

pytestmark = pytest.mark.anyio

CHAT = {"messages": [{"role": "user", "content": "hi"}]}


async def ask(settings: Settings, headers: dict[str, str], times: int = 1) -> list[int]:
    async with running(create_app(settings)) as client:
        return [
            (await client.post("/api/chat", json=CHAT, headers=headers)).status_code
            for _ in range(times)
        ]


def rotations(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The key rotations the service logged, as an operator reads them."""
    lines = capsys.readouterr().err.splitlines()
    return [line.split("app.llm.keys: ", 1)[1] for line in lines if "app.llm.keys: " in line]


async def test_keys_take_turns_in_order_and_the_next_request_keeps_the_good_one(
    provider_settings: Settings,
    upstream: FakeUpstream,
    auth_headers: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    three = provider_settings.model_copy(
        update={"llm_api_keys": SecretStr("key-one,key-two,key-three"), "llm_max_retries": 3}
    )
    upstream.queue(Reply(status=401), Reply(status=429))
    assert await ask(three, auth_headers, times=2) == [200, 200]
    used = [request.credential for request in upstream.requests]
    assert used == ["key-one", "key-two", "key-three", "key-three"]
    assert rotations(capsys) == ["rotating to API key #2 of 3", "rotating to API key #3 of 3"]


async def test_a_lone_key_is_retried_as_it_is(
    provider_settings: Settings,
    upstream: FakeUpstream,
    auth_headers: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    one = provider_settings.model_copy(update={"llm_api_keys": SecretStr("only-key")})
    upstream.queue(Reply(status=429))
    assert await ask(one, auth_headers) == [200]
    assert [request.credential for request in upstream.requests] == ["only-key", "only-key"]
    assert rotations(capsys) == []


def gaps(upstream: FakeUpstream) -> list[float]:
    """Seconds between one attempt reaching the provider and the next."""
    times = [request.at for request in upstream.requests]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


async def test_the_wait_between_attempts_grows_from_the_configured_base(
    provider_settings: Settings, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    """Base 0.5 s: a wait of 0.5-1 s, then one of 1-1.5 s (jitter up to the base); a wait
    ignoring the base would be either nothing or seconds."""
    patient = provider_settings.model_copy(
        update={"llm_retry_base_seconds": 0.5, "llm_max_retries": 2}
    )
    upstream.queue(Reply(status=500), Reply(status=502))
    assert await ask(patient, auth_headers) == [200]
    first, second = gaps(upstream)
    assert 0.5 <= first < 2.5
    assert 1.0 <= second < 3.0


async def test_retry_after_is_honoured_when_longer_than_the_backoff(
    provider_settings: Settings, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    upstream.queue(Reply(status=429, headers={"retry-after": "1"}))
    assert await ask(provider_settings, auth_headers) == [200]
    [gap] = gaps(upstream)
    assert gap >= 1.0


async def test_an_upstream_rejection_surfaces_its_message_once(
    provider_client: httpx2.AsyncClient, upstream: FakeUpstream, auth_headers: dict[str, str]
) -> None:
    upstream.queue(Reply(status=422))
    response = await provider_client.post("/api/chat", json=CHAT, headers=auth_headers)
    assert response.status_code == 400
    assert response.json()["message"].startswith("The model provider refused the request")
    assert len(upstream.requests) == 1
