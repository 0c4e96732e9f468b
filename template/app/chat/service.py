"""Chat turns: limits, history, the model call, and the bookkeeping after every answer.

Bookkeeping (conversation, usage record, metrics) happens exactly once per call, including a
stream the client abandoned half-way: the tokens produced until then are still counted.
"""

import hashlib
import json
import logging
import time
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.owner import Owner
from app.chat import store
from app.chat.history import trim_history
from app.chat.schemas import ChatMessageIn, ChatReply, UsagePublic
from app.core.cache import Cache
from app.core.errors import ApiError
from app.core.metrics import Metrics, ModelMetrics
from app.db.base import new_id, utcnow
from app.db.operations import Operation
from app.db.writer import BatchWriter
from app.llm.base import (
    ChatModel,
    Completion,
    CompletionRequest,
    LLMError,
    Message,
    ModelStream,
    Usage,
)
from app.llm.tokens import estimate_messages_tokens, estimate_tokens
from app.settings import Settings
from app.usage.pricing import estimate_cost
from app.usage.store import usage_insert

logger = logging.getLogger(__name__)

CLEANUP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class PreparedChat:
    """Everything a model call needs, resolved before any byte of the answer is sent."""

    owner_id: str
    endpoint: str
    completion: CompletionRequest
    new_messages: tuple[Message, ...]
    conversation_id: str | None = None  # None: stateless (batch, /v1), nothing persisted
    is_new_conversation: bool = False
    cache_key: str | None = None


@dataclass(frozen=True, slots=True)
class ChatResult:
    content: str
    usage: Usage
    cost_usd: float
    finish_reason: str
    cached: bool = False


def usage_public(usage: Usage, cost_usd: float) -> UsagePublic:
    return UsagePublic(
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
        cost_usd=round(cost_usd, 8),
    )


class ChatService:
    def __init__(
        self,
        *,
        llm: ChatModel,
        sessionmaker: async_sessionmaker[AsyncSession],
        writer: BatchWriter,
        settings: Settings,
        metrics: Metrics,
        cache: Cache | None,
    ) -> None:
        self.llm = llm
        self.sessionmaker = sessionmaker
        self.writer = writer
        self.settings = settings
        self.metrics = metrics
        self.cache = cache

    # --- Preparing a call ----------------------------------------------------------------

    def resolve_model(self, requested: str | None) -> str:
        model = requested or self.settings.llm_model
        if not self.settings.offers_model(model):
            choices = ", ".join(self.settings.available_models)
            raise ApiError(
                422,
                f"model: {model!r} is not available; choose one of: {choices}",
                detail=[{"loc": ["body", "model"], "msg": "unknown model", "type": "value_error"}],
            )
        return model

    def check_limits(self, contents: Sequence[str], max_tokens: int | None) -> None:
        settings = self.settings
        if len(contents) > settings.chat_max_messages:
            raise _invalid("messages", f"at most {settings.chat_max_messages} messages")
        for index, content in enumerate(contents):
            if len(content) > settings.chat_max_message_chars:
                raise _invalid(
                    f"messages.{index}.content",
                    f"at most {settings.chat_max_message_chars} characters",
                )
        if max_tokens is not None and max_tokens > settings.chat_max_output_tokens:
            raise _invalid("max_tokens", f"at most {settings.chat_max_output_tokens}")

    async def prepare(
        self,
        *,
        owner: Owner,
        messages: Sequence[ChatMessageIn],
        model: str | None,
        temperature: float,
        max_tokens: int | None,
        conversation_id: str | None,
    ) -> PreparedChat:
        self.check_limits([m.content for m in messages], max_tokens)
        if messages[-1].role != "user":
            raise _invalid("messages", "the last message must come from the user")
        resolved_model = self.resolve_model(model)
        new_messages = tuple(Message(role=m.role, content=m.content) for m in messages)

        prior: list[Message] = []
        if conversation_id is not None:
            async with self.sessionmaker() as session:
                found = await store.get_owned(
                    session, owner_id=owner.id, conversation_id=conversation_id
                )
                if found is None:
                    raise ApiError(404, f"Conversation {conversation_id!r} not found")
                prior = await store.history(session, conversation_id=conversation_id)
        prompt = [
            *trim_history(
                prior,
                max_messages=self.settings.chat_history_max_turns,
                max_tokens=self.settings.chat_history_max_tokens,
            ),
            *new_messages,
        ]
        completion = CompletionRequest(
            messages=prompt, model=resolved_model, temperature=temperature, max_tokens=max_tokens
        )
        cacheable = self.cache is not None and temperature == 0 and not prior
        return PreparedChat(
            owner_id=owner.id,
            endpoint="chat",
            completion=completion,
            new_messages=new_messages,
            conversation_id=conversation_id or new_id(),
            is_new_conversation=conversation_id is None,
            cache_key=_cache_key(completion) if cacheable else None,
        )

    def prepare_stateless(
        self,
        *,
        owner: Owner,
        endpoint: str,
        messages: Sequence[Message],
        model: str | None,
        temperature: float,
        max_tokens: int | None,
    ) -> PreparedChat:
        self.check_limits([m.content for m in messages], max_tokens)
        completion = CompletionRequest(
            messages=list(messages),
            model=self.resolve_model(model),
            temperature=temperature,
            max_tokens=max_tokens,
        )
        return PreparedChat(
            owner_id=owner.id,
            endpoint=endpoint,
            completion=completion,
            new_messages=tuple(messages),
        )

    # --- Calling the model ---------------------------------------------------------------

    async def complete(self, prepared: PreparedChat) -> ChatResult:
        cached = await self._cached(prepared)
        if cached is not None:
            await self.record(prepared, cached.content, Usage(), outcome="cached")
            return cached
        started = time.perf_counter()
        try:
            completion = await self.llm.complete(prepared.completion)
        except LLMError:
            self._count_call(prepared, "error")
            raise
        self.metrics_for(prepared).time_to_first_token.observe(time.perf_counter() - started)
        cost = await self.record(prepared, completion.content, completion.usage, outcome="ok")
        await self._store_in_cache(prepared, completion)
        return ChatResult(completion.content, completion.usage, cost, completion.finish_reason)

    async def open_stream(self, prepared: PreparedChat) -> "ChatStream":
        """Connects to the model first, so upstream errors still get a proper HTTP status."""
        started = time.perf_counter()
        try:
            model_stream = await self.llm.open_stream(prepared.completion)
        except LLMError:
            self._count_call(prepared, "error")
            raise
        return ChatStream(self, prepared, model_stream, started)

    def reply(self, prepared: PreparedChat, result: ChatResult) -> ChatReply:
        return ChatReply(
            content=result.content,
            usage=usage_public(result.usage, result.cost_usd),
            conversation_id=prepared.conversation_id or "",
            model=prepared.completion.model,
            finish_reason=result.finish_reason,
            cached=result.cached,
        )

    # --- Bookkeeping ---------------------------------------------------------------------
    # A turn without any answer (the client left before the first token) stores no messages,
    # but its usage still counts.

    async def record(
        self, prepared: PreparedChat, answer: str, usage: Usage, *, outcome: str
    ) -> float:
        model = prepared.completion.model
        cost = estimate_cost(
            self.settings.llm_prices, model, usage.prompt_tokens, usage.completion_tokens
        )
        conversation_id = prepared.conversation_id
        now = utcnow()
        usage_row = usage_insert(
            owner_id=prepared.owner_id,
            provider=self.llm.provider,
            model=model,
            endpoint=prepared.endpoint,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cost_usd=cost,
            conversation_id=conversation_id,
            created_at=now,
        )
        turn: list[Operation] = []
        if conversation_id is not None and answer:
            turn = store.exchange_operations(
                owner_id=prepared.owner_id,
                conversation_id=conversation_id,
                is_new=prepared.is_new_conversation,
                model=model,
                messages=[*prepared.new_messages, Message("assistant", answer)],
                at=now,
            )
        # Should the turn fail (its conversation deleted while the answer was being generated),
        # the usage record is still stored.
        await self.writer.write(usage_row, *turn, fallback=[usage_row] if turn else ())
        metrics = self.metrics_for(prepared)
        metrics.requests[outcome].inc()
        metrics.prompt_tokens.inc(usage.prompt_tokens)
        metrics.completion_tokens.inc(usage.completion_tokens)
        metrics.cost.inc(cost)
        return cost

    def metrics_for(self, prepared: PreparedChat) -> ModelMetrics:
        return self.metrics.for_model(self.llm.provider, prepared.completion.model)

    def _count_call(self, prepared: PreparedChat, outcome: str) -> None:
        self.metrics_for(prepared).requests[outcome].inc()

    async def _cached(self, prepared: PreparedChat) -> ChatResult | None:
        if self.cache is None or prepared.cache_key is None:
            return None
        raw = await self.cache.get(prepared.cache_key)
        self.metrics.cache_requests.labels("chat", "hit" if raw else "miss").inc()
        if raw is None:
            return None
        data = json.loads(raw)
        usage = Usage(data["prompt_tokens"], data["completion_tokens"])
        return ChatResult(data["content"], usage, 0.0, data["finish_reason"], cached=True)

    async def _store_in_cache(self, prepared: PreparedChat, completion: Completion) -> None:
        if self.cache is None or prepared.cache_key is None:
            return
        payload = {
            "content": completion.content,
            "prompt_tokens": completion.usage.prompt_tokens,
            "completion_tokens": completion.usage.completion_tokens,
            "finish_reason": completion.finish_reason,
        }
        await self.cache.set(prepared.cache_key, json.dumps(payload).encode())


class ChatStream:
    """One streamed answer. Iterate `deltas()`; the turn is recorded however it ends."""

    def __init__(
        self,
        service: ChatService,
        prepared: PreparedChat,
        model_stream: ModelStream,
        started: float,
    ) -> None:
        self.service = service
        self.prepared = prepared
        self.model_stream = model_stream
        self.started = started
        self.usage = Usage()
        self.cost_usd = 0.0
        self.finish_reason = "stop"

    async def deltas(self) -> AsyncGenerator[str, None]:
        parts: list[str] = []
        outcome = "cancelled"
        try:
            async for delta in self.model_stream:
                if not parts:
                    self.service.metrics_for(self.prepared).time_to_first_token.observe(
                        time.perf_counter() - self.started
                    )
                parts.append(delta)
                yield delta
            outcome = "ok"
        except LLMError:
            outcome = "error"
            raise
        finally:
            # Runs on normal end, on upstream error and when the client went away (cancelled):
            # shielded, so closing the upstream and counting its tokens still happen.
            with anyio.move_on_after(CLEANUP_TIMEOUT_SECONDS, shield=True):
                await self._finish(parts, outcome)

    async def _finish(self, parts: list[str], outcome: str) -> None:
        try:
            await self.model_stream.aclose()
        except Exception:
            logger.warning("closing the model stream failed", exc_info=True)
        answer = "".join(parts)
        self.usage = _usage_of(self.model_stream, self.prepared.completion, parts, outcome)
        self.finish_reason = self.model_stream.finish_reason or "stop"
        try:
            self.cost_usd = await self.service.record(
                self.prepared, answer, self.usage, outcome=outcome
            )
        except Exception:
            logger.exception("recording a streamed answer failed")


def _usage_of(
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


def _cache_key(request: CompletionRequest) -> str:
    material = json.dumps(
        [request.model, request.max_tokens, [(m.role, m.content) for m in request.messages]],
        ensure_ascii=False,
    )
    return "chat:" + hashlib.sha256(material.encode()).hexdigest()


def _invalid(field: str, requirement: str) -> ApiError:
    return ApiError(
        422,
        f"{field}: {requirement}",
        detail=[{"loc": ["body", *field.split(".")], "msg": requirement, "type": "value_error"}],
    )
