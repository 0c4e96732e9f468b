"""Qdrant: a server when QDRANT_URL is set, otherwise embedded in this process (local mode).

Local mode keeps its files under QDRANT_PATH (":memory:" keeps nothing) and allows one client
per folder: run a single worker, or use the server (compose.yaml starts one).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from qdrant_client import AsyncQdrantClient
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.readiness import ReadinessCheck
from app.knowledge.stores.base import VectorStore
from app.settings import Settings


class QdrantStore:
    name = "qdrant"

    def __init__(self, client: AsyncQdrantClient, mode: str) -> None:
        self.client = client
        self.mode = mode

    @classmethod
    def connect(cls, *, url: str | None, path: str, api_key: str | None) -> "QdrantStore":
        if url:
            return cls(AsyncQdrantClient(url=url, api_key=api_key, timeout=10), "server")
        if path == ":memory:":
            return cls(AsyncQdrantClient(location=":memory:"), "memory")
        return cls(AsyncQdrantClient(path=path), "local")

    def readiness_check(self) -> ReadinessCheck:
        async def probe() -> dict[str, Any]:
            collections = await self.client.get_collections()
            return {
                "backend": self.name,
                "mode": self.mode,
                "collections": len(collections.collections),
            }

        return ReadinessCheck("vector_store", probe)

    async def aclose(self) -> None:
        await self.client.close()


@asynccontextmanager
async def open_vector_store(settings: Settings, _engine: AsyncEngine) -> AsyncIterator[VectorStore]:
    """Its own files (or server), beside the service's database."""
    api_key = settings.qdrant_api_key
    store = QdrantStore.connect(
        url=settings.qdrant_url,
        path=settings.qdrant_path,
        api_key=api_key.get_secret_value() if api_key else None,
    )
    try:
        yield store
    finally:
        await store.aclose()
