"""Readiness checks of the components every variant has: the database, the cache, the model.

The vector store brings its own (`VectorStore.readiness_check`).
"""

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.cache import Cache
from app.core.readiness import ReadinessCheck
from app.llm.limiter import LimitedChatModel
from app.settings import Settings


def database_check(engine: AsyncEngine) -> ReadinessCheck:
    async def probe() -> dict[str, Any]:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return {"backend": engine.dialect.name}

    return ReadinessCheck("database", probe)


def cache_check(cache: Cache | None) -> ReadinessCheck:
    async def probe() -> dict[str, Any]:
        if cache is None:
            return {"backend": "none"}
        await cache.ping()
        return {"backend": cache.name}

    return ReadinessCheck("cache", probe)


def llm_check(settings: Settings, llm: LimitedChatModel) -> ReadinessCheck:
    """Reports the configuration without calling the provider (that would cost money)."""

    async def probe() -> dict[str, Any]:
        details: dict[str, Any] = {
            "provider": llm.provider,
            "model": settings.llm_model,
            "in_flight": llm.in_flight,
        }
        if llm.provider == "fake":
            details["note"] = "offline fake model: set an API key or LLM_PROVIDER for a real one"
        return details

    return ReadinessCheck("llm", probe)
