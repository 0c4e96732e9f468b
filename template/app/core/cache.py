"""The small interface every cache backend offers (memory or Redis; none at all is allowed)."""

from typing import Protocol


class Cache(Protocol):
    name: str

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, *, ttl_seconds: int | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def ping(self) -> None: ...

    async def aclose(self) -> None: ...
