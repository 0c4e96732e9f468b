"""A Redis cache shared by every worker and machine; keys carry the service's prefix."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.core.cache import Cache
from app.core.startup import StartupError
from app.settings import Settings


class RedisCache:
    name = "redis"

    def __init__(self, redis: Redis, *, default_ttl_seconds: int, prefix: str) -> None:
        self._redis = redis
        self._default_ttl = default_ttl_seconds
        self._prefix = prefix

    async def get(self, key: str) -> bytes | None:
        value = await self._redis.get(self._prefix + key)
        if value is None or isinstance(value, bytes):
            return value
        return str(value).encode()

    async def set(self, key: str, value: bytes, *, ttl_seconds: int | None = None) -> None:
        ttl = self._default_ttl if ttl_seconds is None else ttl_seconds
        await self._redis.set(self._prefix + key, value, ex=ttl or None)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def ping(self) -> None:
        await self._redis.ping()


@asynccontextmanager
async def open_cache(settings: Settings) -> AsyncIterator[Cache | None]:
    redis = Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
    try:
        cache = RedisCache(
            redis, default_ttl_seconds=settings.cache_ttl_seconds, prefix=settings.cache_prefix
        )
        await _reach(cache, redis)
        yield cache
    finally:
        await redis.aclose()


async def _reach(cache: RedisCache, redis: Redis) -> None:
    """One round trip at start-up: an unreachable Redis is one line, not a failing request."""
    try:
        await cache.ping()
    except RedisError as exc:
        options = redis.connection_pool.connection_kwargs
        where = options.get("path") or f"{options.get('host')}:{options.get('port')}"
        raise StartupError(
            f"Cannot reach Redis at {where} ({exc}): start it, or set REDIS_URL"
        ) from exc
