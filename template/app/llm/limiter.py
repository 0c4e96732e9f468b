"""An outbound concurrency limit towards the provider, so a burst of users queues here briefly
instead of tripping the provider's own rate limit for everyone."""

import anyio

from app.llm.base import ChatModel, Completion, CompletionRequest, ModelStream, ProviderBusy


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
        try:  # the common case, a free slot: no scheduling round trip
            self._limiter.acquire_on_behalf_of_nowait(token)
            return
        except anyio.WouldBlock:
            pass
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
        """The slot is held until the stream is closed, not just until it is opened."""
        token = object()
        await self._acquire(token)
        try:
            stream = await self.inner.open_stream(request)
        except BaseException:
            self._limiter.release_on_behalf_of(token)
            raise
        stream.on_close(lambda: self._limiter.release_on_behalf_of(token))
        return stream

    async def aclose(self) -> None:
        await self.inner.aclose()
