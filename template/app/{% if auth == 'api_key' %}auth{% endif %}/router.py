"""`/api/admin/keys`: admins issue keys (shown once), rotate them, list and revoke them."""

from fastapi import APIRouter, Response, status

from app.auth import service
from app.auth.dependencies import ADMIN_ERRORS, AdminOwner
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, ApiKeysPublic
from app.core.envelope import Envelope, ok
from app.core.errors import ApiError
from app.core.openapi import errors
from app.core.text import ClientId
from app.dependencies import SessionDep

router = APIRouter(prefix="/api/admin/keys", tags=["admin"], responses=ADMIN_ERRORS)


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(404))
async def create_key(
    body: ApiKeyCreate, _admin: AdminOwner, session: SessionDep
) -> Envelope[ApiKeyCreated]:
    """A key for a new client, or with `client_id` a second key for a client (rotation):
    the old key keeps working until it is revoked."""
    issued = await service.issue_key(
        session, name=body.name, role=body.role, client_id=body.client_id
    )
    created = ApiKeyCreated(id=issued.id, client_id=issued.client_id, key=issued.key)
    return ok(created, code=status.HTTP_201_CREATED)


@router.get("")
async def list_keys(_admin: AdminOwner, session: SessionDep) -> Envelope[ApiKeysPublic]:
    items = [
        ApiKeyPublic(
            id=listing.key.id,
            client_id=listing.client.id,
            client_name=listing.client.name,
            prefix=listing.key.prefix,
            role="admin" if listing.client.role == "admin" else "user",
            created_at=listing.key.created_at,
            revoked_at=listing.key.revoked_at,
            last_used_at=listing.key.last_used_at,
        )
        for listing in await service.list_keys(session)
    ]
    return ok(ApiKeysPublic(items=items, count=len(items)))


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(404))
async def revoke_key(key_id: ClientId, _admin: AdminOwner, session: SessionDep) -> Response:
    if not await service.revoke_key(session, key_id):
        raise ApiError(404, f"API key {key_id!r} not found or already revoked")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
