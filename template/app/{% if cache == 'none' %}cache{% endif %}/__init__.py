"""This service runs without a cache: every lookup is a miss, nothing is stored.

Choosing one later (`aiapi update --data cache=memory` or `cache=redis`) replaces this module
with one whose `open_cache` returns a real cache.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.core.cache import Cache
from app.core.metrics import Metrics
from app.settings import Settings


@asynccontextmanager
async def open_cache(_settings: Settings, _metrics: Metrics) -> AsyncIterator[Cache | None]:
    yield None
