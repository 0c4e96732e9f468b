"""What every vector store offers the knowledge base, whichever one this service chose.

Each store keeps passages with their vector and their keyword terms, and answers a search by
hybrid retrieval: the nearest vectors and the best keyword matches (BM25 or the store's own
ranking), fused by reciprocal rank. Every query is filtered by owner inside the store.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from app.core.readiness import ReadinessCheck

# Reciprocal rank fusion's constant (Cormack et al.): ranks beyond the first few still count.
RRF_K = 60
# Each side fetches this many times `top_k` candidates before fusion.
CANDIDATES_PER_HIT = 4


@dataclass(frozen=True, slots=True)
class Passage:
    """One chunk of a document, ready to store."""

    owner_id: str
    document_id: str
    document_name: str
    position: int
    text: str
    terms: list[str]
    vector: list[float]


@dataclass(frozen=True, slots=True)
class Hit:
    document_id: str
    document_name: str
    position: int
    text: str
    score: float


@dataclass(frozen=True, slots=True)
class Query:
    owner_id: str
    text: str
    terms: list[str]
    vector: list[float]
    top_k: int

    @property
    def candidates(self) -> int:
        return self.top_k * CANDIDATES_PER_HIT


class VectorStore(Protocol):
    name: str

    async def add(self, passages: Sequence[Passage]) -> None: ...

    async def search(self, query: Query) -> list[Hit]: ...

    async def passages(self, *, owner_id: str, document_id: str) -> list[str]:
        """A document's passages in order (for analysis)."""
        ...

    async def delete_document(self, *, owner_id: str, document_id: str) -> None: ...

    def readiness_check(self) -> ReadinessCheck: ...


def fuse(rankings: Sequence[Sequence[int]], limit: int) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of ranked id lists: (id, score), best first."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
