"""Qdrant: a server when QDRANT_URL is set, otherwise embedded in this process (local mode).

Local mode keeps its files under QDRANT_PATH (":memory:" keeps nothing) and allows one client
per folder: run a single worker, or use the server (compose.yaml starts one). Local mode is
Qdrant's client searching in Python: calls run in a worker thread, one at a time, so the event
loop never waits for them, and it slows down past a few thousand passages (bench/rag.py in
aiapi measures it); the server is the one to scale.

Each passage is a point with two vectors: a dense one (the embedding) and a sparse one of its
hashed keyword terms, which Qdrant weighs by inverse document frequency (a BM25-like keyword
ranking). A search asks for both, filtered by owner, and lets Qdrant fuse them by
reciprocal rank in one query.
"""

import uuid
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from qdrant_client import QdrantClient
from qdrant_client import models as qm
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.readiness import ReadinessCheck
from app.core.startup import StartupError
from app.knowledge.stores.base import Hit, Passage, Query, VectorStore
from app.settings import Settings

COLLECTION = "knowledge"
DENSE = "dense"
KEYWORDS = "keywords"
# BM25's term-frequency saturation: a word said ten times is not ten times as relevant.
BM25_K1 = 1.2
SCROLL_PAGE = 256

T = TypeVar("T")


def sparse_terms(terms: Sequence[str], *, saturate: bool) -> qm.SparseVector:
    weights: dict[int, float] = {}
    for term, count in Counter(terms).items():
        index = zlib.crc32(term.encode())
        weight = count * (BM25_K1 + 1) / (count + BM25_K1) if saturate else 1.0
        weights[index] = weights.get(index, 0.0) + weight
    return qm.SparseVector(indices=list(weights), values=list(weights.values()))


def _owner(owner_id: str, document_id: str | None = None) -> qm.Filter:
    conditions: list[qm.Condition] = [
        qm.FieldCondition(key="owner_id", match=qm.MatchValue(value=owner_id))
    ]
    if document_id is not None:
        conditions.append(
            qm.FieldCondition(key="document_id", match=qm.MatchValue(value=document_id))
        )
    return qm.Filter(must=conditions)


class QdrantStore:
    name = "qdrant"

    def __init__(self, client: QdrantClient, mode: str) -> None:
        self.client = client
        self.mode = mode
        # The server takes concurrent calls; local mode is one in-process structure.
        self._lock: anyio.Lock | None = None if mode == "server" else anyio.Lock()

    @classmethod
    def connect(cls, *, url: str | None, path: str, api_key: str | None) -> "QdrantStore":
        if url:
            # The service checks the server itself at start-up (one line if it is not there);
            # the client's own version check would only warn from a background thread.
            client = QdrantClient(url=url, api_key=api_key, timeout=10, check_compatibility=False)
            return cls(client, "server")
        if path == ":memory:":
            return cls(QdrantClient(location=":memory:"), "memory")
        return cls(QdrantClient(path=path), "local")

    async def _run(self, call: Callable[[], T]) -> T:
        """The client's call in a worker thread (local mode's work is CPU-bound Python)."""
        turn: AbstractAsyncContextManager[Any] = self._lock or nullcontext()
        async with turn:
            return await anyio.to_thread.run_sync(call)

    async def collections(self) -> int:
        """How many collections the server (or local folder) holds: a round trip."""
        return len((await self._run(self.client.get_collections)).collections)

    async def ensure_collection(self, dimensions: int) -> None:
        await self._run(lambda: self._ensure_collection(dimensions))

    def _ensure_collection(self, dimensions: int) -> None:
        if self.client.collection_exists(COLLECTION):
            info = self.client.get_collection(COLLECTION)
            vectors = info.config.params.vectors
            size = vectors[DENSE].size if isinstance(vectors, dict) else None
            if size != dimensions:
                raise RuntimeError(
                    f"Qdrant collection {COLLECTION!r} holds {size}-dimensional vectors but "
                    f"EMBEDDING_DIMENSIONS is {dimensions}: set it back, or delete the "
                    "collection and upload the documents again"
                )
            return
        self.client.create_collection(
            COLLECTION,
            vectors_config={DENSE: qm.VectorParams(size=dimensions, distance=qm.Distance.COSINE)},
            sparse_vectors_config={KEYWORDS: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
        )
        if self.mode == "server":  # local mode has no payload indexes (and says so)
            for field in ("owner_id", "document_id"):
                self.client.create_payload_index(
                    COLLECTION, field, qm.PayloadSchemaType.KEYWORD, wait=True
                )

    async def add(self, passages: Sequence[Passage]) -> None:
        points = [
            qm.PointStruct(
                id=str(uuid.uuid4()),
                vector={
                    DENSE: passage.vector,
                    KEYWORDS: sparse_terms(passage.terms, saturate=True),
                },
                payload={
                    "owner_id": passage.owner_id,
                    "document_id": passage.document_id,
                    "document_name": passage.document_name,
                    "position": passage.position,
                    "text": passage.text,
                },
            )
            for passage in passages
        ]
        await self._run(lambda: self.client.upsert(COLLECTION, points, wait=True))

    async def search(self, query: Query) -> list[Hit]:
        owner = _owner(query.owner_id)
        prefetch = [
            qm.Prefetch(query=query.vector, using=DENSE, filter=owner, limit=query.candidates)
        ]
        if query.terms:
            keywords = sparse_terms(query.terms, saturate=False)
            prefetch.append(
                qm.Prefetch(query=keywords, using=KEYWORDS, filter=owner, limit=query.candidates)
            )
        response = await self._run(
            lambda: self.client.query_points(
                COLLECTION,
                prefetch=prefetch,
                # Fusion ranks only what the prefetches found, and each prefetch is filtered
                # by owner: filtering again here would only cost (a third of a local search).
                query=qm.FusionQuery(fusion=qm.Fusion.RRF),
                limit=query.top_k,
                with_payload=True,
            )
        )
        return [_hit(point.payload or {}, point.score) for point in response.points]

    async def passages(self, *, owner_id: str, document_id: str) -> list[str]:
        def scroll() -> list[str]:
            found: list[tuple[int, str]] = []
            offset: Any = None
            while True:
                points, offset = self.client.scroll(
                    COLLECTION,
                    scroll_filter=_owner(owner_id, document_id),
                    limit=SCROLL_PAGE,
                    offset=offset,
                    with_payload=True,
                )
                found.extend(
                    (int(p.payload["position"]), str(p.payload["text"]))
                    for p in points
                    if p.payload
                )
                if offset is None:
                    return [text for _, text in sorted(found)]

        return await self._run(scroll)

    async def delete_document(self, *, owner_id: str, document_id: str) -> None:
        selector = qm.FilterSelector(filter=_owner(owner_id, document_id))
        await self._run(lambda: self.client.delete(COLLECTION, points_selector=selector, wait=True))

    def readiness_check(self) -> ReadinessCheck:
        async def probe() -> dict[str, Any]:
            collections = await self._run(self.client.get_collections)
            return {
                "backend": self.name,
                "mode": self.mode,
                "collections": len(collections.collections),
            }

        return ReadinessCheck("vector_store", probe)

    async def aclose(self) -> None:
        await self._run(self.client.close)


def _hit(payload: dict[str, Any], score: float) -> Hit:
    return Hit(
        document_id=str(payload["document_id"]),
        document_name=str(payload["document_name"]),
        position=int(payload["position"]),
        text=str(payload["text"]),
        score=score,
    )


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
        try:
            await store.ensure_collection(settings.embedding_dimensions)
        except RuntimeError as exc:  # vectors of another size than the embedder's
            raise StartupError(str(exc)) from exc
        yield store
    finally:
        await store.aclose()


async def _reach(store: QdrantStore, url: str | None) -> None:
    """One round trip at start-up: an unreachable server is one line, not a failing request."""
    try:
        await store.collections()
    except Exception as exc:  # the client raises transport and HTTP errors of several kinds
        reason = str(exc) or type(exc).__name__
        raise StartupError(
            f"Cannot reach Qdrant at {url} ({reason}): start it, or unset QDRANT_URL "
            "for the embedded one"
        ) from exc
