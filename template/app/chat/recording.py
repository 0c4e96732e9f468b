"""After every model call, exactly once: the turn (conversation and messages), its usage and
cost, and the model's metrics.

A turn without any answer (the client left before the first token) stores no messages, but
its usage still counts; so does a turn whose conversation was deleted while it was answered.
"""

from app.chat import store
from app.chat.turn import PreparedChat
from app.core.clock import utcnow
from app.core.metrics import Metrics, ModelMetrics
from app.core.prices import ModelPrice, estimate_cost
from app.db.operations import Operation
from app.db.writer import BatchWriter
from app.llm.base import Message, Usage
from app.llm.tools import ToolCall
from app.usage.store import usage_insert


class TurnRecorder:
    def __init__(
        self,
        *,
        writer: BatchWriter,
        metrics: Metrics,
        prices: dict[str, ModelPrice],
        provider: str,
    ) -> None:
        self._writer = writer
        self._metrics = metrics
        self._prices = prices
        self._provider = provider

    def metrics_for(self, prepared: PreparedChat) -> ModelMetrics:
        return self._metrics.for_model(self._provider, prepared.model)

    async def record(
        self,
        prepared: PreparedChat,
        answer: str,
        usage: Usage,
        *,
        outcome: str,
        tool_calls: tuple[ToolCall, ...] = (),
    ) -> float:
        """Stores the turn and its usage, counts it; returns its estimated cost."""
        cost = estimate_cost(
            self._prices, prepared.model, usage.prompt_tokens, usage.completion_tokens
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
        if prepared.conversation_id is not None and (answer or tool_calls):
            turn = store.exchange_operations(
                owner_id=prepared.owner_id,
                conversation_id=prepared.conversation_id,
                is_new=prepared.is_new_conversation,
                model=prepared.model,
                messages=[*prepared.new_messages, Message("assistant", answer, tool_calls)],
                reply_item_id=prepared.reply_item_id,
                at=now,
            )
        await self._writer.write(usage_row, *turn, fallback=[usage_row] if turn else ())
        metrics = self.metrics_for(prepared)
        metrics.requests[outcome].inc()
        metrics.prompt_tokens.inc(usage.prompt_tokens)
        metrics.completion_tokens.inc(usage.completion_tokens)
        metrics.cost.inc(cost)
        return cost

    def count_failure(self, prepared: PreparedChat) -> None:
        """A call that failed before producing anything: no usage to store."""
        self.metrics_for(prepared).requests["error"].inc()
