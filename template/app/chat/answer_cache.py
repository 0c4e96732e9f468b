"""Answers to deterministic requests (temperature 0, no history), kept in the cache.

The same question asked again is answered from the cache without calling the model; its
usage is recorded with zero tokens and the `cached` outcome.
"""

import hashlib
import json
from dataclasses import astuple

from app.chat.turn import ChatResult
from app.core.cache import Cache
from app.core.metrics import Metrics
from app.llm.base import Completion, CompletionRequest, Usage


class AnswerCache:
    def __init__(self, cache: Cache, metrics: Metrics) -> None:
        self._cache = cache
        self._hits = metrics.cache_requests.labels("chat", "hit")
        self._misses = metrics.cache_requests.labels("chat", "miss")

    @staticmethod
    def key_for(request: CompletionRequest) -> str:
        messages = [
            (m.role, m.content, m.tool_call_id, [astuple(c) for c in m.tool_calls])
            if m.tool_calls or m.tool_call_id
            else (m.role, m.content)
            for m in request.messages
        ]
        answer_format = astuple(request.response_format) if request.response_format else None
        material = json.dumps(
            [request.model, request.max_tokens, messages, answer_format], ensure_ascii=False
        )
        return "chat:" + hashlib.sha256(material.encode()).hexdigest()

    async def get(self, key: str) -> ChatResult | None:
        raw = await self._cache.get(key)
        if raw is None:
            self._misses.inc()
            return None
        self._hits.inc()
        data = json.loads(raw)
        usage = Usage(data["prompt_tokens"], data["completion_tokens"])
        return ChatResult(data["content"], usage, 0.0, data["finish_reason"], cached=True)

    async def put(self, key: str, completion: Completion) -> None:
        payload = {
            "content": completion.content,
            "prompt_tokens": completion.usage.prompt_tokens,
            "completion_tokens": completion.usage.completion_tokens,
            "finish_reason": completion.finish_reason,
        }
        await self._cache.set(key, json.dumps(payload).encode())
