"""`/api/admin/users`: administrators list accounts, deactivate them, and change roles."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from app.auth import sessions
from app.auth.dependencies import ADMIN_ERRORS, AdminOwner
from app.auth.models import User
from app.auth.schemas import UserPublic, UsersPublic, UserUpdate
from app.core.envelope import Envelope, ok
from app.core.errors import ApiError
from app.core.openapi import errors
from app.core.text import ClientId, Offset, PageSize
from app.dependencies import SessionDep

router = APIRouter(prefix="/api/admin/users", tags=["admin"], responses=ADMIN_ERRORS)


@router.get("")
async def list_users(
    _admin: AdminOwner,
    session: SessionDep,
    limit: Annotated[PageSize, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> Envelope[UsersPublic]:
    count = await session.scalar(select(func.count()).select_from(User))
    rows = await session.scalars(
        select(User).order_by(User.created_at, User.id).limit(limit).offset(offset)
    )
    items = [UserPublic.model_validate(row, from_attributes=True) for row in rows]
    return ok(UsersPublic(items=items, count=int(count or 0)))


@router.patch("/{user_id}", responses=errors(404, 409))
async def update_user(
    user_id: ClientId, body: UserUpdate, admin: AdminOwner, session: SessionDep
) -> Envelope[UserPublic]:
    """Deactivating an account ends its sessions at once (a role change applies to the next
    request anyway: every request reads the account)."""
    user = await session.get(User, user_id)
    if user is None:
        raise ApiError(404, f"User {user_id!r} not found")
    if user_id == admin.id and (body.is_active is False or body.role == "user"):
        raise ApiError(409, "Administrators cannot deactivate or demote themselves")
    if body.role is not None:
        user.role = body.role
    if body.is_active is not None:
        user.is_active = body.is_active
    await session.commit()
    if body.is_active is False:
        await sessions.revoke_all(session, user_id)
    return ok(UserPublic.model_validate(user, from_attributes=True))
