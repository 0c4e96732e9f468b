"""Budgets count what calls really spend: a refused or failed call leaves nothing reserved
behind, a streamed answer is settled like a whole one, and the budget shown is the one set."""

import re
import time

import httpx2
import pytest

from app.llm.tokens import estimate_messages_tokens
from app.main import create_app
from app.settings import Settings
from tests.conftest import ClientFactory, running
from tests.fake_upstream import FakeUpstream, Reply

pytestmark = pytest.mark.anyio

TOKENS = 10_000
DAY = 86_400
PRICES = {"m": {"input": 1_000_000.0, "output": 1_000_000.0}}  # an answer costs dollars


def chat(**extra: object) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": "hi"}], **extra}


async def limits(client: httpx2.AsyncClient, headers: dict[str, str]) -> dict[str, object]:
    usage = (await client.get("/api/usage", headers=headers)).json()["data"]
    return {
        name: None if quota is None else quota["remaining"]
        for name, quota in usage["limits"].items()
        if name != "requests_per_minute"
    }


async def test_a_call_refused_for_its_cost_reserves_no_tokens(
    client_with: ClientFactory, auth_headers: dict[str, str]
) -> None:
    async with client_with(
        token_budget_per_day=TOKENS, cost_budget_per_day=5.0, llm_model="m", llm_prices=PRICES
    ) as client:
        refused = await client.post("/api/chat", json=chat(max_tokens=40), headers=auth_headers)
        left = await limits(client, auth_headers)
    assert refused.status_code == 429
    assert refused.json()["message"] == "Daily budget reached: cost per day"
    assert left == {"tokens_per_day": TOKENS, "cost_per_day": 5.0}


@pytest.mark.parametrize("stream", [False, True])
async def test_a_failed_model_call_gives_its_reservation_back(
    provider_settings: Settings, upstream: FakeUpstream, auth_headers: dict[str, str], stream: bool
) -> None:
    budgeted = provider_settings.model_copy(
        update={"token_budget_per_day": TOKENS, "cost_budget_per_day": 1.0}
    )
    upstream.queue(Reply(status=400))
    async with running(create_app(budgeted)) as client:
        failed = await client.post(
            "/api/chat", json=chat(max_tokens=500, stream=stream), headers=auth_headers
        )
        left = await limits(client, auth_headers)
    assert failed.status_code == 400
    assert left == {"tokens_per_day": TOKENS, "cost_per_day": 1.0}


@pytest.mark.parametrize("stream", [False, True])
async def test_a_call_is_settled_at_what_it_spent(
    client_with: ClientFactory, auth_headers: dict[str, str], stream: bool
) -> None:
    async with client_with(token_budget_per_day=TOKENS) as client:
        answered = await client.post(
            "/api/chat", json=chat(max_tokens=500, stream=stream), headers=auth_headers
        )
        assert answered.status_code == 200
        usage = (await client.get("/api/usage", headers=auth_headers)).json()["data"]
    [row] = usage["items"]
    assert 0 < row["total_tokens"] < 500
    assert usage["limits"]["tokens_per_day"]["remaining"] == TOKENS - row["total_tokens"]
    assert usage["limits"]["tokens_per_day"]["limit"] == TOKENS


async def test_no_budget_means_no_limit_shown_or_applied(
    client_with: ClientFactory, auth_headers: dict[str, str]
) -> None:
    async with client_with(token_budget_per_day=0, cost_budget_per_day=0) as client:
        answered = await client.post("/api/chat", json=chat(max_tokens=4000), headers=auth_headers)
        left = await limits(client, auth_headers)
    assert answered.status_code == 200
    assert left == {"tokens_per_day": None, "cost_per_day": None}


async def test_the_usage_view_shows_the_rate_limit_in_force(
    client_with: ClientFactory, auth_headers: dict[str, str]
) -> None:
    async with client_with(rate_limit_per_minute=50) as client:
        for _ in range(3):
            await client.get("/api/conversations", headers=auth_headers)
        usage = (await client.get("/api/usage", headers=auth_headers)).json()["data"]
    rate = usage["limits"]["requests_per_minute"]
    assert rate["limit"] == 50
    assert rate["remaining"] == 50 - 4  # three requests and this one


REFUSALS: dict[str, dict[str, object]] = {
    "requests_per_minute": {"rate_limit_per_minute": 1},
    "tokens_per_day": {"token_budget_per_day": 300},
    "cost_per_day": {"cost_budget_per_day": 5.0, "llm_model": "m", "llm_prices": PRICES},
}


@pytest.mark.parametrize("limit", list(REFUSALS))
async def test_a_refusal_is_counted_under_its_own_limit(
    client_with: ClientFactory, auth_headers: dict[str, str], limit: str
) -> None:
    async with client_with(**REFUSALS[limit]) as client:
        answers = [
            await client.post("/api/chat", json=chat(max_tokens=1000), headers=auth_headers)
            for _ in range(2)
        ]
        exported = (await client.get("/metrics")).text
    refusals = dict(
        re.findall(r'^rate_limit_rejections_total\{limit="(\w+)"\} (\S+)$', exported, re.M)
    )
    expected = 1 if limit == "requests_per_minute" else 2
    assert [answer.status_code for answer in answers].count(429) == expected
    assert refusals == {limit: f"{expected}.0"}


async def test_a_call_that_reserves_exactly_what_is_left_fits_and_one_token_more_does_not(
    client_with: ClientFactory, auth_headers: dict[str, str]
) -> None:
    budget = 301  # odd, like most token counts: nothing is rounded to pairs or dozens
    prompt = estimate_messages_tokens(["hi"])  # what a call reserves beside its answer
    async with client_with(token_budget_per_day=budget, chat_system_prompt="") as client:
        first = await client.post(
            "/api/chat", json=chat(max_tokens=budget - prompt), headers=auth_headers
        )
        spent = first.json()["data"]["usage"]["total_tokens"]
        left = budget - spent
        too_big = await client.post(
            "/api/chat", json=chat(max_tokens=left - prompt + 1), headers=auth_headers
        )
        exact = await client.post(
            "/api/chat", json=chat(max_tokens=left - prompt), headers=auth_headers
        )
        spent += exact.json()["data"]["usage"]["total_tokens"]
        shown = (await limits(client, auth_headers))["tokens_per_day"]
    assert first.status_code == 200
    assert too_big.status_code == 429
    assert exact.status_code == 200
    assert shown == budget - spent


async def test_a_budget_refusal_says_what_is_left_and_when_the_day_resets(
    client_with: ClientFactory, auth_headers: dict[str, str]
) -> None:
    async with client_with(token_budget_per_day=300) as client:
        started = time.time()
        first = await client.post("/api/chat", json=chat(max_tokens=100), headers=auth_headers)
        refused = await client.post("/api/chat", json=chat(max_tokens=1000), headers=auth_headers)
    spent = first.json()["data"]["usage"]["total_tokens"]
    assert refused.status_code == 429
    assert refused.headers["x-ratelimit-limit"] == "300"
    assert refused.headers["x-ratelimit-remaining"] == str(300 - spent)
    # The day is counted from the owner's first call in it.
    reset = int(refused.headers["x-ratelimit-reset"])
    assert started + DAY - 5 <= reset <= time.time() + DAY + 1
    assert DAY - 60 <= int(refused.headers["retry-after"]) <= DAY
