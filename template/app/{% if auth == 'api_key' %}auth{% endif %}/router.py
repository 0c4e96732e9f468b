"""`/api/admin/keys`: admins issue (shown once), list and revoke API keys."""

from fastapi import APIRouter, Response, status

from app.auth import service
from app.auth.dependencies import AdminOwner
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, ApiKeysPublic
from app.core.envelope import Envelope, ok
from app.core.errors import ApiError
from app.dependencies import SessionDep

router = APIRouter(prefix="/api/admin/keys", tags=["admin"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_key(
    body: ApiKeyCreate, _admin: AdminOwner, session: SessionDep
) -> Envelope[ApiKeyCreated]:
    row, key = await service.issue_key(session, name=body.name, role=body.role)
    return ok(ApiKeyCreated(id=row.id, key=key))


@router.get("")
async def list_keys(_admin: AdminOwner, session: SessionDep) -> Envelope[ApiKeysPublic]:
    rows = await service.list_keys(session)
    items = [ApiKeyPublic.model_validate(row, from_attributes=True) for row in rows]
    return ok(ApiKeysPublic(items=items, count=len(items)))


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_key(key_id: str, _admin: AdminOwner, session: SessionDep) -> Response:
    if not await service.revoke_key(session, key_id):
        raise ApiError(404, f"API key {key_id!r} not found or already revoked")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
