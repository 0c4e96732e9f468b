"""The small interface every cache backend offers. The cache is an optimisation: callers
treat a failure as a miss."""

from typing import Protocol


class Cache(Protocol):
    name: str

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, *, ttl_seconds: int | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def ping(self) -> None: ...
