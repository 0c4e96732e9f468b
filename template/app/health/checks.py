"""Readiness checks: one per chosen component, each a quick round trip with its own timeout."""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.cache import Cache
from app.llm.limiter import LimitedChatModel
from app.settings import Settings

CHECK_TIMEOUT_SECONDS = 3.0

Probe = Callable[[], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class ReadinessCheck:
    name: str
    probe: Probe

    async def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            with anyio.fail_after(CHECK_TIMEOUT_SECONDS):
                details = await self.probe()
        except TimeoutError:
            return {"ok": False, "error": f"no answer within {CHECK_TIMEOUT_SECONDS:g}s"}
        except Exception as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        return {"ok": True, "latency_ms": latency_ms, **details}


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
