"""Requests per minute per owner: a moving window (the `limits` library), so a burst at the
edge of a minute cannot pass twice the limit."""

from limits import RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter

from app.limits.quota import Quota, QuotaExceeded


class RequestRate:
    def __init__(self, storage: Storage, per_minute: int) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._item = RateLimitItemPerMinute(per_minute, namespace="requests")
        self.per_minute = per_minute

    async def admit(self, key: str) -> None:
        """Counts one request of `key`; raises `QuotaExceeded` (429) beyond the limit."""
        if await self._limiter.hit(self._item, key):
            return
        quota = await self.status(key)
        raise QuotaExceeded(
            quota, f"Rate limit reached: {self.per_minute} requests per minute; retry later"
        )

    async def status(self, key: str) -> Quota:
        stats = await self._limiter.get_window_stats(self._item, key)
        return Quota("requests_per_minute", self.per_minute, stats.remaining, stats.reset_time)
