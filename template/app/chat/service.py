"""The chat service: one entry, `prepare`, for every transport, then the model call.

HTTP (JSON and SSE), WebSocket, batch and the OpenAI-compatible API all call
`prepare(owner, request, endpoint=...)`, so a rule written here holds for each of them; then
`complete` for a whole answer or `open_stream` for a stream. Recording what happened is
`TurnRecorder`'s job, the stream's lifecycle `ChatStream`'s.
"""

import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.owner import Owner
from app.chat import store
from app.chat.answer_cache import AnswerCache
from app.chat.history import trim_history
from app.chat.recording import TurnRecorder
from app.chat.retrieval import Citation, Quoted, Retriever, knowledge_message
from app.chat.rules import check_request
from app.chat.schemas import ChatRequest
from app.chat.stream import ChatStream
from app.chat.tool_schemas import tool_choice_of
from app.chat.turn import CHAT, ChatResult, Endpoint, PreparedChat
from app.core.errors import ApiError
from app.core.ids import new_id
from app.core.prices import estimate_cost
from app.limits.service import Limits, Spend
from app.llm.base import ChatModel, CompletionRequest, Message, Usage
from app.llm.prompt_guard import PromptGuard
from app.llm.tokens import estimate_messages_tokens
from app.settings import Settings


class ChatService:
    def __init__(
        self,
        *,
        llm: ChatModel,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        recorder: TurnRecorder,
        limits: Limits,
        guard: PromptGuard,
        answers: AnswerCache | None = None,
        retriever: Retriever | None = None,
    ) -> None:
        self.llm = llm
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.recorder = recorder
        self.limits = limits
        self.guard = guard
        self.answers = answers
        self.retriever = retriever

    async def prepare(
        self, owner: Owner, request: ChatRequest, *, endpoint: Endpoint = CHAT
    ) -> PreparedChat:
        """Checks the request and resolves everything the model call needs.

        Raises `ApiError` (a 4xx) for anything the caller must change, before any model call.
        """
        model = check_request(self.settings, request, endpoint)
        if request.use_knowledge and self.retriever is None:
            raise ApiError(400, "use_knowledge: this service has no knowledge base configured")
        # Tool results are checked too: text a tool fetched can carry an injection.
        verdict = self.guard.check(
            (m.content or "" for m in request.messages if m.role in ("user", "tool")),
            source=endpoint.name,
        )
        new_messages = tuple(m.message() for m in request.messages)
        prior: list[Message] = []
        conversation_id: str | None = None
        if endpoint.conversational:
            conversation_id = request.conversation_id
            if conversation_id is not None:
                prior = await self._history(owner, conversation_id)
        system = self.settings.chat_system_prompt if endpoint.owns_system_prompt else ""
        prompt = [
            *([Message("system", system)] if system else []),
            *([Message("system", request.instructions)] if request.instructions else []),
            *trim_history(
                prior,
                max_messages=self.settings.chat_history_max_turns,
                max_tokens=self.settings.chat_history_max_tokens,
            ),
            *new_messages,
        ]
        citations: tuple[Citation, ...] | None = None
        if request.use_knowledge:
            prompt, citations = await self._with_knowledge(owner, prompt)
        completion = CompletionRequest(
            prompt,
            model,
            request.temperature,
            request.max_tokens,
            tools=tuple(tool.spec() for tool in request.tools or ()),
            tool_choice=tool_choice_of(request.tool_choice),
            parallel_tool_calls=request.parallel_tool_calls,
            response_format=request.response_format.spec() if request.response_format else None,
        )
        # Tool calls are actions with ids of their own: never answered from the cache.
        cacheable = (
            self.answers is not None
            and request.temperature == 0
            and not prior
            and not completion.tools
        )
        return PreparedChat(
            owner=owner,
            endpoint=endpoint,
            completion=completion,
            new_messages=new_messages,
            conversation_id=(conversation_id or new_id()) if endpoint.conversational else None,
            is_new_conversation=endpoint.conversational and conversation_id is None,
            cache_key=AnswerCache.key_for(completion) if cacheable else None,
            citations=citations,
            guard=verdict,
        )

    async def _with_knowledge(
        self, owner: Owner, prompt: list[Message]
    ) -> tuple[list[Message], tuple[Citation, ...]]:
        """Retrieves for the user's last message; the passages go right before it.

        Passages are screened like messages: with PROMPT_GUARD=block one that looks like an
        injection is left out of the prompt (its citation says it was withheld and why),
        with `flag` it is quoted with a warning and its citation flagged."""
        assert self.retriever is not None
        last = next((i for i in range(len(prompt) - 1, -1, -1) if prompt[i].role == "user"), None)
        if last is None:
            return prompt, ()
        sources = await self.retriever.retrieve(owner_id=owner.id, query=prompt[last].content)
        if not sources:
            return prompt, ()
        verdicts = self.guard.screen([source.text for source in sources], source="passages")
        withhold = self.guard.mode == "block"
        citations = tuple(
            Citation.of(source, verdict, withheld=withhold and verdict.flagged)
            for source, verdict in zip(sources, verdicts, strict=True)
        )
        quoted = [
            Quoted(number, source, verdict)
            for number, (source, verdict) in enumerate(zip(sources, verdicts, strict=True), 1)
            if not (withhold and verdict.flagged)
        ]
        if not quoted:
            return prompt, citations
        return [*prompt[:last], knowledge_message(quoted), *prompt[last:]], citations

    async def _history(self, owner: Owner, conversation_id: str) -> list[Message]:
        async with self.sessionmaker() as session:
            found = await store.get_owned(
                session, owner_id=owner.id, conversation_id=conversation_id
            )
            if found is None:
                raise ApiError(404, f"Conversation {conversation_id!r} not found")
            return await store.history(session, conversation_id=conversation_id)

    async def complete(self, prepared: PreparedChat) -> ChatResult:
        if self.answers is not None and prepared.cache_key is not None:
            cached = await self.answers.get(prepared.cache_key)
            if cached is not None:
                await self.recorder.record(prepared, cached.content, Usage(), outcome="cached")
                return cached
        spend = await self._reserve(prepared)
        started = time.perf_counter()
        try:
            completion = await self.llm.complete(prepared.completion)
        except BaseException:
            await self.limits.settle(spend, tokens=0, cost=0.0)
            self.recorder.count_failure(prepared)
            raise
        metrics = self.recorder.metrics_for(prepared)
        metrics.time_to_first_token.observe(time.perf_counter() - started)
        spent = estimate_cost(
            self.settings.llm_prices,
            prepared.model,
            completion.usage.prompt_tokens,
            completion.usage.completion_tokens,
        )
        try:
            cost = await self.recorder.record(
                prepared,
                completion.content,
                completion.usage,
                outcome="ok",
                tool_calls=completion.tool_calls,
            )
        finally:  # spent, whether or not the turn could be stored
            await self.limits.settle(spend, tokens=completion.usage.total_tokens, cost=spent)
        if self.answers is not None and prepared.cache_key is not None:
            await self.answers.put(prepared.cache_key, completion)
        return ChatResult(
            completion.content,
            completion.usage,
            cost,
            completion.finish_reason,
            tool_calls=completion.tool_calls,
        )

    async def open_stream(self, prepared: PreparedChat) -> ChatStream:
        """Connects to the model first, so upstream errors (and a spent budget) still get a
        proper HTTP status: nothing of the stream has been sent yet."""
        spend = await self._reserve(prepared)
        started = time.perf_counter()
        try:
            model_stream = await self.llm.open_stream(prepared.completion)
        except BaseException:
            await self.limits.settle(spend, tokens=0, cost=0.0)
            self.recorder.count_failure(prepared)
            raise
        return ChatStream(
            prepared, model_stream, self.recorder, self.limits, spend, started=started
        )

    async def _reserve(self, prepared: PreparedChat) -> Spend:
        """The most this call can spend: its prompt, and its answer at the output cap."""
        request = prepared.completion
        prompt = estimate_messages_tokens(m.content for m in request.messages)
        answer = request.max_tokens or self.settings.chat_max_output_tokens
        cost = estimate_cost(self.settings.llm_prices, request.model, prompt, answer)
        return await self.limits.reserve(prepared.owner, tokens=prompt + answer, cost=cost)
