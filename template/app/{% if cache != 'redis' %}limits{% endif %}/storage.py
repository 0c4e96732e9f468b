"""Where rate limits and budgets are counted: in this process's memory.

Each worker process counts on its own; with several workers or instances, choose Redis
(`aiapi update --data cache=redis`) so they share one count.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from limits.aio.storage import MemoryStorage, Storage

from app.settings import Settings


@asynccontextmanager
async def open_limit_storage(_settings: Settings) -> AsyncIterator[Storage]:
    yield MemoryStorage()
