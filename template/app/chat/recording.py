"""After every model call, exactly once: the turn (conversation and messages), its usage and
cost, and the model's metrics.

A turn without any answer (the client left before the first token) stores no messages, but
its usage still counts; so does a turn whose conversation was deleted while it was answered.
Usage is never lost: while the database is unavailable, it waits in the outbox.

What the client is told must be true: when the turn itself could not be stored, `record`
raises, so a JSON answer becomes an error and a stream ends with an error event, not `[DONE]`.
"""

from app.chat import store
from app.chat.turn import PreparedChat
from app.core.clock import utcnow
from app.core.errors import ApiError, is_database_unavailable
from app.core.metrics import Metrics, ModelMetrics
from app.core.prices import ModelPrice, estimate_cost
from app.db.operations import Operation
from app.db.outbox import Outbox
from app.db.writer import BatchWriter, Stored
from app.llm.base import Message, Usage
from app.usage.store import usage_insert

RETRY_AFTER_SECONDS = 5


class TurnNotStored(ApiError):
    """The answer was produced, but its turn could not be stored: the client must not take
    it for a stored one."""


class TurnRecorder:
    def __init__(
        self,
        *,
        writer: BatchWriter,
        outbox: Outbox,
        metrics: Metrics,
        prices: dict[str, ModelPrice],
        provider: str,
    ) -> None:
        self._writer = writer
        self._outbox = outbox
        self._metrics = metrics
        self.prices = prices
        self._provider = provider

    def metrics_for(self, prepared: PreparedChat) -> ModelMetrics:
        return self._metrics.for_model(self._provider, prepared.model)

    async def record(
        self, prepared: PreparedChat, answer: str, usage: Usage, *, outcome: str
    ) -> float:
        """Stores the turn and its usage, counts it; returns its estimated cost."""
        cost = estimate_cost(
            self.prices, prepared.model, usage.prompt_tokens, usage.completion_tokens
        )
        now = utcnow()
        usage_row = usage_insert(
            owner_id=prepared.owner_id,
            provider=self._provider,
            model=prepared.model,
            endpoint=prepared.endpoint.name,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cost_usd=cost,
            conversation_id=prepared.conversation_id,
            created_at=now,
        )
        turn: list[Operation] = []
        if prepared.conversation_id is not None and answer:
            turn = store.exchange_operations(
                owner_id=prepared.owner_id,
                conversation_id=prepared.conversation_id,
                is_new=prepared.is_new_conversation,
                model=prepared.model,
                messages=[*prepared.new_messages, Message("assistant", answer)],
                at=now,
            )
        metrics = self.metrics_for(prepared)
        metrics.requests[outcome].inc()
        metrics.prompt_tokens.inc(usage.prompt_tokens)
        metrics.completion_tokens.inc(usage.completion_tokens)
        metrics.cost.inc(cost)
        try:
            stored = await self._writer.write(
                usage_row, *turn, fallback=[usage_row] if turn else ()
            )
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            await self._outbox.keep([usage_row])
            if turn:
                raise TurnNotStored(
                    503,
                    "The answer could not be stored (the database is unavailable); retry shortly",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                ) from exc
            return cost
        if stored is Stored.FALLBACK:
            raise TurnNotStored(
                409, "The conversation was deleted while it was being answered; nothing was stored"
            )
        return cost

    def count_failure(self, prepared: PreparedChat) -> None:
        """A call that failed before producing anything: no usage to store."""
        self.metrics_for(prepared).requests["error"].inc()
