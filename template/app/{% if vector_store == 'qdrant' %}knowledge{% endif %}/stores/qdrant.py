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
from app.core.startup import StartupError
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
            # The service checks the server itself at start-up (one line if it is not there);
            # the client's own version check would only warn from a background thread.
            client = AsyncQdrantClient(
                url=url, api_key=api_key, timeout=10, check_compatibility=False
            )
            return cls(client, "server")
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
    try:
        store = QdrantStore.connect(
            url=settings.qdrant_url,
            path=settings.qdrant_path,
            api_key=api_key.get_secret_value() if api_key else None,
        )
    except RuntimeError as exc:  # local mode: the folder is locked by another process
        raise StartupError(f"{exc} (QDRANT_PATH={settings.qdrant_path})") from exc
    try:
        await _reach(store, settings.qdrant_url)
        yield store
    finally:
        await store.aclose()


async def _reach(store: QdrantStore, url: str | None) -> None:
    """One round trip at start-up: an unreachable server is one line, not a failing request."""
    try:
        await store.client.get_collections()
    except Exception as exc:  # the client raises transport and HTTP errors of several kinds
        reason = str(exc) or type(exc).__name__
        raise StartupError(
            f"Cannot reach Qdrant at {url} ({reason}): start it, or unset QDRANT_URL "
            "for the embedded one"
        ) from exc
