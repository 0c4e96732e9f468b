"""An in-process cache: TTL plus least-recently-used eviction, bounded in entries.

Each worker process has its own; use Redis to share one between workers or machines.
"""

import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.core.cache import Cache
from app.core.metrics import Metrics
from app.settings import Settings


class MemoryCache:
    name = "memory"

    def __init__(self, *, max_entries: int, default_ttl_seconds: int, prefix: str = "") -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max_entries = max_entries
        self._default_ttl = default_ttl_seconds
        self._prefix = prefix

    async def get(self, key: str) -> bytes | None:
        full_key = self._prefix + key
        entry = self._entries.get(full_key)
        if entry is None:
            return None
        expires_at, value = entry
        if expires_at and expires_at < time.monotonic():
            del self._entries[full_key]
            return None
        self._entries.move_to_end(full_key)
        return value

    async def set(self, key: str, value: bytes, *, ttl_seconds: int | None = None) -> None:
        ttl = self._default_ttl if ttl_seconds is None else ttl_seconds
        expires_at = time.monotonic() + ttl if ttl else 0.0
        full_key = self._prefix + key
        self._entries[full_key] = (expires_at, value)
        self._entries.move_to_end(full_key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def delete(self, key: str) -> None:
        self._entries.pop(self._prefix + key, None)

    async def ping(self) -> None:
        return None


@asynccontextmanager
async def open_cache(settings: Settings, _metrics: Metrics) -> AsyncIterator[Cache | None]:
    yield MemoryCache(
        max_entries=settings.cache_max_entries,
        default_ttl_seconds=settings.cache_ttl_seconds,
        prefix=settings.cache_prefix,
    )
