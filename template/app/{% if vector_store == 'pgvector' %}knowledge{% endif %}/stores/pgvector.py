"""pgvector: passages in the service's own PostgreSQL, beside the documents they belong to.

The nearest vectors come from an HNSW index, the best keyword matches from a `tsvector`
column (GIN index, ranked by `ts_rank_cd`); one SQL statement takes both, filtered by owner,
and fuses them by reciprocal rank. Passages reference their document, so deleting a
document deletes them in the same transaction.
"""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import bindparam, delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.readiness import ReadinessCheck
from app.core.startup import StartupError
from app.knowledge.stores.base import RRF_K, Hit, Passage, Query, VectorStore
from app.knowledge.stores.models import DIMENSIONS, StoredPassage
from app.settings import Settings

HYBRID_SEARCH = text(
    f"""
    WITH nearest AS (
        SELECT id, row_number() OVER () AS rank FROM (
            SELECT id FROM knowledge_passages WHERE owner_id = :owner
            ORDER BY embedding <=> :vector LIMIT :candidates
        ) AS by_vector
    ), matching AS (
        SELECT id, row_number() OVER () AS rank FROM (
            SELECT id FROM knowledge_passages, to_tsquery('simple', :terms) AS query
            WHERE owner_id = :owner AND search @@ query
            ORDER BY ts_rank_cd(search, query) DESC LIMIT :candidates
        ) AS by_terms
    )
    SELECT p.document_id, p.document_name, p.position, p.text,
           COALESCE(1.0 / ({RRF_K} + nearest.rank), 0)
           + COALESCE(1.0 / ({RRF_K} + matching.rank), 0) AS score
    FROM nearest FULL JOIN matching ON nearest.id = matching.id
    JOIN knowledge_passages AS p ON p.id = COALESCE(nearest.id, matching.id)
    WHERE p.owner_id = :owner
    ORDER BY score DESC, p.id
    LIMIT :top_k
    """  # noqa: S608 (RRF_K is a constant)
).bindparams(bindparam("vector", type_=Vector(DIMENSIONS)))


class PgVectorStore:
    name = "pgvector"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._iterative_scan: bool | None = None  # known at the first search

    async def _scans_iteratively(self, connection: AsyncConnection) -> bool:
        """pgvector 0.8 scans the index further when the owner filter drops most neighbours."""
        if self._iterative_scan is None:
            version = await _extension_version(connection) or "0.0"
            major, minor = (int(part) for part in version.split(".")[:2])
            self._iterative_scan = (major, minor) >= (0, 8)
        return self._iterative_scan

    async def add(self, passages: Sequence[Passage]) -> None:
        rows = [
            {
                "owner_id": passage.owner_id,
                "document_id": passage.document_id,
                "document_name": passage.document_name,
                "position": passage.position,
                "text": passage.text,
                "terms": " ".join(passage.terms),
                "embedding": passage.vector,
            }
            for passage in passages
        ]
        async with self.engine.begin() as connection:
            await connection.execute(insert(StoredPassage), rows)

    async def search(self, query: Query) -> list[Hit]:
        async with self.engine.begin() as connection:
            if await self._scans_iteratively(connection):
                await connection.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
            rows = await connection.execute(
                HYBRID_SEARCH,
                {
                    "owner": query.owner_id,
                    "vector": query.vector,
                    # Terms are letters and digits only, so they are safe tsquery words.
                    "terms": " | ".join(query.terms) or "''",
                    "candidates": query.candidates,
                    "top_k": query.top_k,
                },
            )
            return [
                Hit(document_id, name, position, text, float(score))
                for document_id, name, position, text, score in rows
            ]

    async def passages(self, *, owner_id: str, document_id: str) -> list[str]:
        async with self.engine.connect() as connection:
            rows = await connection.scalars(
                select(StoredPassage.text)
                .where(StoredPassage.owner_id == owner_id, StoredPassage.document_id == document_id)
                .order_by(StoredPassage.position)
            )
            return list(rows)

    async def delete_document(self, *, owner_id: str, document_id: str) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(
                delete(StoredPassage).where(
                    StoredPassage.owner_id == owner_id, StoredPassage.document_id == document_id
                )
            )

    def readiness_check(self) -> ReadinessCheck:
        async def probe() -> dict[str, Any]:
            async with self.engine.connect() as connection:
                version = await _extension_version(connection)
            if version is None:
                raise RuntimeError("the 'vector' extension is not installed in this database")
            return {"backend": self.name, "version": version}

        return ReadinessCheck("vector_store", probe)


async def require_pgvector(engine: AsyncEngine) -> None:
    """The server must offer the extension (the migration creates it in the database)."""
    async with engine.connect() as connection:
        available = await connection.scalar(
            text("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
        )
    if not available:
        where = f"{engine.url.host or 'localhost'}:{engine.url.port or 5432}"
        raise StartupError(
            f"PostgreSQL at {where} has no pgvector extension: run one that has it (the "
            "pgvector/pgvector:pg17 image) or install it, "
            "https://github.com/pgvector/pgvector#installation"
        )


async def _extension_version(connection: AsyncConnection) -> str | None:
    version = await connection.scalar(
        text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
    )
    return None if version is None else str(version)


@asynccontextmanager
async def open_vector_store(settings: Settings, engine: AsyncEngine) -> AsyncIterator[VectorStore]:
    """The service's own database: nothing to open or close beside its engine."""
    await require_pgvector(engine)
    if settings.embedding_dimensions != DIMENSIONS:
        raise StartupError(
            f"knowledge_passages holds {DIMENSIONS}-dimensional vectors but "
            f"EMBEDDING_DIMENSIONS is {settings.embedding_dimensions}: set it to {DIMENSIONS}, "
            "or change DIMENSIONS in app/knowledge/stores/models.py with a migration"
        )
    yield PgVectorStore(engine)
