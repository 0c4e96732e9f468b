"""Token usage and estimated cost: per request, per user and model, and in Prometheus."""

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.core.prices import DEFAULT_PRICES, estimate_cost
from app.settings import Settings
from tests.conftest import ClientFactory

pytestmark = pytest.mark.anyio


def chat(content: str = "hi", **extra: object) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": content}], **extra}


def test_cost_comes_from_the_price_table() -> None:
    price = DEFAULT_PRICES["gpt-4o-mini"]
    assert estimate_cost(DEFAULT_PRICES, "gpt-4o-mini", 1_000_000, 0) == price.input
    assert estimate_cost(DEFAULT_PRICES, "gpt-4o-mini", 0, 1_000_000) == price.output
    assert estimate_cost(DEFAULT_PRICES, "unknown-model", 1000, 1000) == 0.0


async def test_usage_is_summed_per_model(
    client_with: ClientFactory, auth_headers: dict[str, str]
) -> None:
    prices = {"model-a": {"input": 1.0, "output": 2.0}}
    async with client_with(
        llm_model="model-a", llm_models=["model-b"], llm_prices=prices
    ) as client:
        answers = []
        for body in (chat(), chat(), chat(model="model-b")):
            response = await client.post("/api/chat", json=body, headers=auth_headers)
            answers.append(response.json()["data"])
        usage = (await client.get("/api/usage", headers=auth_headers)).json()["data"]
    rows = {row["model"]: row for row in usage["items"]}
    assert rows["model-a"]["requests"] == 2
    assert rows["model-b"]["requests"] == 1
    a_tokens = [a["usage"] for a in answers[:2]]
    assert rows["model-a"]["prompt_tokens"] == sum(u["prompt_tokens"] for u in a_tokens)
    assert rows["model-a"]["completion_tokens"] == sum(u["completion_tokens"] for u in a_tokens)
    expected_cost = sum(
        (u["prompt_tokens"] * 1.0 + u["completion_tokens"] * 2.0) / 1_000_000 for u in a_tokens
    )
    assert rows["model-a"]["cost_usd"] == pytest.approx(expected_cost)
    assert answers[0]["usage"]["cost_usd"] == pytest.approx(expected_cost / 2)
    assert rows["model-b"]["cost_usd"] == 0.0  # not in the price table
    assert usage["total_tokens"] == sum(row["total_tokens"] for row in usage["items"])


async def test_llm_metrics_are_exported(
    client: httpx2.AsyncClient, auth_headers: dict[str, str], settings: Settings
) -> None:
    await client.post("/api/chat", json=chat(), headers=auth_headers)
    await client.post("/api/chat", json=chat(stream=True), headers=auth_headers)
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families((await client.get("/metrics")).text)
        for sample in family.samples
    }

    def value(name: str, **labels: str) -> float | None:
        return samples.get((name, tuple(sorted(labels.items()))))

    model = settings.llm_model
    assert value("llm_requests_total", provider="fake", model=model, outcome="ok") == 2.0
    completion = value("llm_tokens_total", provider="fake", model=model, kind="completion")
    assert completion is not None
    assert completion > 0
    ttft = value("llm_time_to_first_token_seconds_count", provider="fake", model=model)
    assert ttft == 2.0
    assert value("llm_cost_usd_total", provider="fake", model=model) is not None
    chat_requests = value("http_requests_total", method="POST", route="/api/chat", status="200")
    assert chat_requests == 2.0
