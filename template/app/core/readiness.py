"""Readiness checks: one per component the service depends on, each a quick round trip with
its own timeout. Components register theirs at start-up; `GET /ready` runs them all."""

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio

logger = logging.getLogger(__name__)

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
            # The cause goes to the log; the public answer names the component only.
            logger.warning("readiness check %r failed", self.name, exc_info=True)
            return {"ok": False, "error": f"{type(exc).__name__}: not reachable"}
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        return {"ok": True, "latency_ms": latency_ms, **details}


async def run_checks(checks: list[ReadinessCheck]) -> dict[str, dict[str, Any]]:
    """Every check at once, so `/ready` takes as long as the slowest, not their sum."""
    results: dict[str, dict[str, Any]] = {}

    async def run(check: ReadinessCheck) -> None:
        results[check.name] = await check.run()

    async with anyio.create_task_group() as group:
        for check in checks:
            group.start_soon(run, check)
    return {check.name: results[check.name] for check in checks}
