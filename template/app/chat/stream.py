"""One streamed answer, from the model's first token to the recorded turn.

Iterate `deltas()` (text, and tool-call fragments when the model calls tools); however the
stream ends (finished, failed upstream, or abandoned by a client that went away), the upstream
is closed and the turn recorded once, with the tokens produced until then. Tool calls are
stored only when the answer finished: a call cut off half-way is no call to make.
"""

import logging
import time
from collections.abc import AsyncGenerator

import anyio

from app.chat.recording import TurnNotStored, TurnRecorder
from app.chat.turn import PreparedChat
from app.core.prices import estimate_cost
from app.limits.service import Limits, Spend
from app.llm.base import CompletionRequest, LLMError, ModelStream, Usage
from app.llm.tokens import estimate_messages_tokens, estimate_tokens
from app.llm.tools import StreamDelta, ToolCall, ToolCallAssembler

logger = logging.getLogger(__name__)

CLEANUP_TIMEOUT_SECONDS = 10.0


class ChatStream:
    def __init__(
        self,
        prepared: PreparedChat,
        model_stream: ModelStream,
        recorder: TurnRecorder,
        limits: Limits,
        spend: Spend,
        *,
        started: float,
    ) -> None:
        self.prepared = prepared
        self.model_stream = model_stream
        self.recorder = recorder
        self.limits = limits
        self.spend = spend
        self.started = started
        self.usage = Usage()
        self.cost_usd = 0.0
        self.finish_reason = "stop"
        self.tool_calls: tuple[ToolCall, ...] = ()
        self._calls = ToolCallAssembler()
        self._not_stored: TurnNotStored | None = None

    async def deltas(self) -> AsyncGenerator[StreamDelta, None]:
        parts: list[str] = []
        outcome = "cancelled"
        try:
            async for delta in self.model_stream:
                if not parts and not self._calls:
                    self.recorder.metrics_for(self.prepared).time_to_first_token.observe(
                        time.perf_counter() - self.started
                    )
                if isinstance(delta, str):
                    parts.append(delta)
                else:
                    self._calls.add(delta)
                yield delta
            outcome = "ok"
        except LLMError:
            outcome = "error"
            raise
        finally:
            # Shielded: closing the upstream and counting its tokens happen even when the
            # client went away (the surrounding task is being cancelled).
            with anyio.move_on_after(CLEANUP_TIMEOUT_SECONDS, shield=True):
                await self._finish(parts, outcome)
        if self._not_stored is not None:
            raise self._not_stored  # the stream ends with this error, not `[DONE]`

    async def _finish(self, parts: list[str], outcome: str) -> None:
        try:
            await self.model_stream.aclose()
        except Exception:
            logger.warning("closing the model stream failed", exc_info=True)
        self.tool_calls = self._calls.calls()
        produced = [*parts, *(call.name + call.arguments for call in self.tool_calls)]
        self.usage = usage_of(self.model_stream, self.prepared.completion, produced, outcome)
        self.finish_reason = self.model_stream.finish_reason or "stop"
        self.cost_usd = estimate_cost(
            self.recorder.prices,
            self.prepared.model,
            self.usage.prompt_tokens,
            self.usage.completion_tokens,
        )
        try:
            await self.recorder.record(
                self.prepared,
                "".join(parts),
                self.usage,
                outcome=outcome,
                tool_calls=self.tool_calls if outcome == "ok" else (),
            )
        except TurnNotStored as exc:
            logger.warning("a streamed turn could not be stored: %s", exc.message)
            self._not_stored = exc if outcome == "ok" else None
        except Exception:
            logger.exception("recording a streamed answer failed")
            if outcome == "ok":  # never `[DONE]` for a turn that was not stored
                self._not_stored = TurnNotStored(500, "Internal server error")
        await self.limits.settle(self.spend, tokens=self.usage.total_tokens, cost=self.cost_usd)


def usage_of(
    stream: ModelStream, request: CompletionRequest, parts: list[str], outcome: str
) -> Usage:
    """The provider's own count when it finished; otherwise our estimate of what was produced.

    Providers report usage at the end of a stream, so an interrupted one is estimated: at
    least one token per delta received (streamed deltas are usually single tokens).
    """
    reported = stream.usage
    if outcome == "ok" and reported is not None and reported.completion_tokens:
        return reported
    prompt = (reported.prompt_tokens if reported else 0) or estimate_messages_tokens(
        m.content for m in request.messages
    )
    produced = max(len(parts), estimate_tokens("".join(parts)))
    return Usage(prompt, produced)
