"""The service's cache: Redis, shared by every worker and machine (see `app.core.cache`)."""

from app.cache.redis import open_cache

__all__ = ["open_cache"]
