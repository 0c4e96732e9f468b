"""Prometheus metrics on a registry of the app's own, so several apps (tests) never collide.

Served at `/metrics`. With several worker processes each keeps its own counters; scrape them
one by one or run a single worker per container.
"""

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.core.client import Network, is_trusted

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "http_request_duration_seconds",
            "Time to the last byte of the response",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.llm_requests = Counter(
            "llm_requests",
            "Model calls by provider, model and outcome",
            ["provider", "model", "outcome"],
            registry=self.registry,
        )
        self.llm_time_to_first_token = Histogram(
            "llm_time_to_first_token_seconds",
            "Time from the model call to its first token",
            ["provider", "model"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.llm_tokens = Counter(
            "llm_tokens",
            "Tokens by provider, model and kind (prompt or completion)",
            ["provider", "model", "kind"],
            registry=self.registry,
        )
        self.llm_cost = Counter(
            "llm_cost_usd",
            "Estimated model cost in US dollars",
            ["provider", "model"],
            registry=self.registry,
        )
        self.cache_requests = Counter(
            "cache_requests",
            "Cache lookups by cache and result (hit or miss)",
            ["cache", "result"],
            registry=self.registry,
        )
        self.cache_errors = Counter(
            "cache_errors",
            "Cache operations that failed (Redis down or slow) and were treated as misses",
            ["cache"],
            registry=self.registry,
        )
        self.rate_limit_rejections = Counter(
            "rate_limit_rejections",
            "Requests refused by a rate limit or daily budget",
            ["limit"],
            registry=self.registry,
        )
        self.prompt_guard_detections = Counter(
            "prompt_guard_detections",
            "Prompt-injection attempts the guard saw, by attack family and what it did",
            ["attack", "action"],
            registry=self.registry,
        )
        self.limits_unavailable = Counter(
            "limits_unavailable",
            "Rate limit checks skipped because their storage did not answer",
            registry=self.registry,
        )
        self.db_writes = Counter(
            "db_writes",
            "Writes committed by the database writer (a chat turn is one write)",
            registry=self.registry,
        )
        self.db_write_batches = Counter(
            "db_write_batches",
            "Transactions the database writer committed; writes per batch = db_writes / this",
            registry=self.registry,
        )

        self._models: dict[tuple[str, str], ModelMetrics] = {}
        self._http: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe_http(self, method: str, route: str, status: int, seconds: float) -> None:
        """One finished HTTP request; `route` is the route's template (bounded labels)."""
        key = (method, route, status)
        children = self._http.get(key)
        if children is None:  # bound once per route and status: `labels()` is not free
            children = self._http[key] = (
                self.http_requests.labels(method, route, str(status)),
                self.http_latency.labels(method, route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def for_model(self, provider: str, model: str) -> "ModelMetrics":
        """The model's metric children, bound once: `labels()` costs microseconds per call."""
        key = (provider, model)
        found = self._models.get(key)
        if found is None:
            found = self._models[key] = ModelMetrics(
                time_to_first_token=self.llm_time_to_first_token.labels(provider, model),
                prompt_tokens=self.llm_tokens.labels(provider, model, "prompt"),
                completion_tokens=self.llm_tokens.labels(provider, model, "completion"),
                cost=self.llm_cost.labels(provider, model),
                requests={
                    outcome: self.llm_requests.labels(provider, model, outcome)
                    for outcome in OUTCOMES
                },
            )
        return found

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


OUTCOMES = ("ok", "error", "cancelled", "cached")


@dataclass(frozen=True, slots=True)
class ModelMetrics:
    time_to_first_token: Histogram
    prompt_tokens: Counter
    completion_tokens: Counter
    cost: Counter
    requests: dict[str, Counter]


@dataclass(frozen=True, slots=True)
class MetricsAccess:
    """Who may read /metrics: everyone (development), or a bearer of `token`, or a client in
    `networks` (a scraper beside the service). Counts and latencies describe the service's
    traffic and its users' spending: not for the whole internet."""

    open: bool
    token: str = ""
    networks: tuple[Network, ...] = ()

    def allows(self, request: Request) -> bool:
        if self.open:
            return True
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if self.token and scheme.lower() == "bearer":
            return hmac.compare_digest(value.strip().encode(), self.token.encode())
        peer = request.client.host if request.client else ""
        return bool(self.networks) and is_trusted(peer, list(self.networks))


def metrics_endpoint(
    metrics: Metrics, access: MetricsAccess
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if not access.allows(request):
            return JSONResponse(
                {"code": 403, "message": "Metrics need METRICS_TOKEN or an allowed network"},
                status_code=403,
            )
        return metrics.render()

    return endpoint
