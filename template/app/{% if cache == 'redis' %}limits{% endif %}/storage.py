"""Where rate limits and budgets are counted: Redis, so every worker and instance shares
one count (the `limits` library updates it atomically, in Lua scripts)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from limits.aio.storage import RedisStorage, Storage
from redis.asyncio import ConnectionPool

from app.settings import Settings


@asynccontextmanager
async def open_limit_storage(settings: Settings) -> AsyncIterator[Storage]:
    pool = ConnectionPool.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
    )
    # Our own pool, so shutdown can close it; the library hands it to `redis.asyncio.Redis`
    # (its signature types such options as scalars only).
    client_options: dict[str, Any] = {"connection_pool": pool}
    try:
        yield RedisStorage(
            "async+" + settings.redis_url,
            implementation="redispy",
            key_prefix=f"{settings.cache_prefix}limits",
            wrap_exceptions=True,
            **client_options,
        )
    finally:
        await pool.disconnect()
