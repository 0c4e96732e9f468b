"""`/health` (the process is alive) and `/ready` (each chosen component answers)."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.requests import Request

from app.core.readiness import run_checks
from app.dependencies import readiness_checks_of

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "A component is not ready"}})
async def ready(request: Request) -> JSONResponse:
    components = await run_checks(readiness_checks_of(request))
    all_ok = all(component["ok"] for component in components.values())
    return JSONResponse(
        {"status": "ok" if all_ok else "unavailable", "components": components},
        status_code=200 if all_ok else 503,
    )
