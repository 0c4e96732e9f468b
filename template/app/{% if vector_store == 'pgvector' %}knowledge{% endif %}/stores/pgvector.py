"""pgvector: vectors in the service's own PostgreSQL (the extension is created by migration)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.readiness import ReadinessCheck
from app.core.startup import StartupError
from app.knowledge.stores.base import VectorStore
from app.settings import Settings


class PgVectorStore:
    name = "pgvector"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def readiness_check(self) -> ReadinessCheck:
        async def probe() -> dict[str, Any]:
            async with self.engine.connect() as connection:
                version = await connection.scalar(
                    text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
                )
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


@asynccontextmanager
async def open_vector_store(settings: Settings, engine: AsyncEngine) -> AsyncIterator[VectorStore]:
    """The service's own database: nothing to open or close beside its engine."""
    await require_pgvector(engine)
    yield PgVectorStore(engine)
