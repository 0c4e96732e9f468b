"""Embeddings on demand (`POST /v1/embeddings`), from the knowledge base's own embedder.

A client gets the very vectors its documents are searched with, so it can keep its own
index in step with the service. Each call is metered like a model call: reserved against the
owner's daily budgets first, then recorded in the usage table (endpoint `v1.embeddings`)
and counted in /metrics. Tokens are the service's offline estimate (the hashing embedder
has no tokenizer; the provider's count is not passed through the embedding cache).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from app.auth.owner import Owner
from app.core.clock import utcnow
from app.core.errors import is_database_unavailable
from app.core.metrics import Metrics
from app.core.prices import estimate_cost
from app.db.outbox import Outbox
from app.db.writer import BatchWriter
from app.limits.service import Limits
from app.llm.embeddings import Embedder, Vector
from app.llm.tokens import estimate_tokens
from app.settings import Settings
from app.usage.store import usage_insert

ENDPOINT = "v1.embeddings"


@dataclass(frozen=True, slots=True)
class Embeddings:
    vectors: list[Vector]
    model: str
    prompt_tokens: int


class EmbeddingService:
    def __init__(
        self,
        *,
        embedder: Embedder,
        limits: Limits,
        writer: BatchWriter,
        outbox: Outbox,
        metrics: Metrics,
        settings: Settings,
    ) -> None:
        self.embedder = embedder
        self.limits = limits
        self.writer = writer
        self.outbox = outbox
        self.metrics = metrics
        self.settings = settings
        self.provider = settings.embedding_provider

    @property
    def model(self) -> str:
        """The model's public name: the provider's model, or `hash-<dimensions>` offline."""
        return self.embedder.name if self.provider == "hash" else self.settings.embedding_model

    @property
    def model_names(self) -> set[str]:
        """Names a client may ask for: the public name and the embedder's full name."""
        return {self.model, self.embedder.name}

    async def embed(self, owner: Owner, texts: Sequence[str]) -> Embeddings:
        """The texts' vectors, in order. Raises a 429 `ApiError` when the owner's daily token
        or cost budget cannot take the call, and `LLMError` when the provider fails."""
        tokens = sum(estimate_tokens(text) for text in texts)
        cost = estimate_cost(self.settings.llm_prices, self.model, tokens, 0)
        spend = await self.limits.reserve(owner, tokens=tokens, cost=cost)
        metrics = self.metrics.for_model(self.provider, self.model)
        try:
            vectors = await self.embedder.embed(texts)
        except BaseException:
            await self.limits.settle(spend, tokens=0, cost=0.0)
            metrics.requests["error"].inc()
            raise
        await self.limits.settle(spend, tokens=tokens, cost=cost)
        metrics.requests["ok"].inc()
        metrics.prompt_tokens.inc(tokens)
        metrics.cost.inc(cost)
        await self._record(owner, tokens, cost)
        return Embeddings(vectors, self.model, tokens)

    async def _record(self, owner: Owner, tokens: int, cost: float) -> None:
        row = usage_insert(
            owner_id=owner.id,
            provider=self.provider,
            model=self.model,
            endpoint=ENDPOINT,
            prompt_tokens=tokens,
            completion_tokens=0,
            cost_usd=cost,
            created_at=utcnow(),
        )
        try:
            await self.writer.write(row)
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            await self.outbox.keep([row])  # written once the database is back
