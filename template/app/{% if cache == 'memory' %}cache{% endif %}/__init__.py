"""The service's cache: in-process memory, one per worker process (see `app.core.cache`)."""

from app.cache.memory import open_cache

__all__ = ["open_cache"]
