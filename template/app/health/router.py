"""`/health` (the process is alive) and `/ready` (each chosen component answers)."""

from typing import Any

import anyio
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.dependencies import ResourcesDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "A component is not ready"}})
async def ready(resources: ResourcesDep) -> JSONResponse:
    results: dict[str, dict[str, Any]] = {}

    async def run(index: int) -> None:
        check = resources.readiness[index]
        results[check.name] = await check.run()

    async with anyio.create_task_group() as group:
        for index in range(len(resources.readiness)):
            group.start_soon(run, index)
    components = {check.name: results[check.name] for check in resources.readiness}
    all_ok = all(component["ok"] for component in components.values())
    return JSONResponse(
        {"status": "ok" if all_ok else "unavailable", "components": components},
        status_code=200 if all_ok else 503,
    )
