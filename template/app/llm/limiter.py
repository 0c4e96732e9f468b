"""An outbound concurrency limit towards the provider, so a burst of users queues here briefly
instead of tripping the provider's own rate limit for everyone."""

from collections.abc import AsyncIterator

import anyio

from app.llm.base import ChatModel, Completion, CompletionRequest, ModelStream, ProviderBusy


class _LimitedStream(ModelStream):
    """Holds one slot of the limiter until the stream is closed."""

    def __init__(self, inner: ModelStream, limiter: anyio.CapacityLimiter, token: object) -> None:
        super().__init__(inner.model)
        self._inner = inner
        self._limiter = limiter
        self._token = token

    async def _deltas(self) -> AsyncIterator[str]:
        try:
            async for delta in self._inner:
                self.usage = self._inner.usage
                yield delta
        finally:
            self.usage = self._inner.usage
            self.finish_reason = self._inner.finish_reason

    async def _close(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self.usage = self._inner.usage
            self._limiter.release_on_behalf_of(self._token)


class LimitedChatModel:
    def __init__(self, inner: ChatModel, *, max_concurrency: int, queue_timeout: float) -> None:
        self.inner = inner
        self.provider = inner.provider
        self._limiter = anyio.CapacityLimiter(max_concurrency)
        self._queue_timeout = queue_timeout

    @property
    def in_flight(self) -> int:
        return self._limiter.borrowed_tokens

    async def _acquire(self, token: object) -> None:
        with anyio.move_on_after(self._queue_timeout):
            await self._limiter.acquire_on_behalf_of(token)
            return
        raise ProviderBusy("Too many model calls in flight; retry shortly", retry_after=1.0)

    async def complete(self, request: CompletionRequest) -> Completion:
        token = object()
        await self._acquire(token)
        try:
            return await self.inner.complete(request)
        finally:
            self._limiter.release_on_behalf_of(token)

    async def open_stream(self, request: CompletionRequest) -> ModelStream:
        token = object()
        await self._acquire(token)
        try:
            inner = await self.inner.open_stream(request)
        except BaseException:
            self._limiter.release_on_behalf_of(token)
            raise
        return _LimitedStream(inner, self._limiter, token)

    async def aclose(self) -> None:
        await self.inner.aclose()
