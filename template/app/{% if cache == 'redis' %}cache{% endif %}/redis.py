"""A Redis cache shared by every worker and machine; keys carry the service's prefix.

The cache is an optimisation: a Redis that is down or stalled answers as a miss within
REDIS_TIMEOUT_SECONDS, the failure is logged (once a minute at most) and counted in /metrics,
and the request goes on without it.
"""

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.core.cache import Cache
from app.core.metrics import Metrics
from app.settings import Settings

logger = logging.getLogger(__name__)

WARN_EVERY_SECONDS = 60.0


class RedisCache:
    name = "redis"

    def __init__(
        self, redis: Redis, *, default_ttl_seconds: int, prefix: str, metrics: Metrics
    ) -> None:
        self._redis = redis
        self._default_ttl = default_ttl_seconds
        self._prefix = prefix
        self._errors = metrics.cache_errors.labels(self.name)
        self._last_warning = -WARN_EVERY_SECONDS

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._redis.get(self._prefix + key)
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return None
        if value is None or isinstance(value, bytes):
            return value
        return str(value).encode()

    async def set(self, key: str, value: bytes, *, ttl_seconds: int | None = None) -> None:
        ttl = self._default_ttl if ttl_seconds is None else ttl_seconds
        try:
            await self._redis.set(self._prefix + key, value, ex=ttl or None)
        except (RedisError, OSError) as exc:
            self._failed(exc)

    async def delete(self, key: str) -> None:
        try:
            await self._redis.delete(self._prefix + key)
        except (RedisError, OSError) as exc:
            self._failed(exc)

    async def ping(self) -> None:
        """For /ready: here a failure is reported, not hidden."""
        await self._redis.ping()

    def _failed(self, exc: BaseException) -> None:
        self._errors.inc()
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_SECONDS:
            self._last_warning = now
            logger.warning("cache unavailable, going on without it: %s", type(exc).__name__)


@asynccontextmanager
async def open_cache(settings: Settings, metrics: Metrics) -> AsyncIterator[Cache | None]:
    redis = Redis.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
    )
    try:
        yield RedisCache(
            redis,
            default_ttl_seconds=settings.cache_ttl_seconds,
            prefix=settings.cache_prefix,
            metrics=metrics,
        )
    finally:
        await redis.aclose()
