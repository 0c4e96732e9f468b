"""API keys: issue, look up, revoke; and the caller behind a key."""

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.models import ApiKey
from app.auth.owner import Owner
from app.core.clock import utcnow
from app.core.errors import ApiError

KEY_PREFIX = "sk-"
ADMIN_OWNER = Owner(id="admin", is_admin=True)
UNAUTHORIZED_HEADERS = {"WWW-Authenticate": "Bearer"}


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def issue_key(session: AsyncSession, *, name: str, role: str) -> tuple[ApiKey, str]:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, role=role, prefix=key[:10], key_hash=digest(key))
    session.add(row)
    await session.commit()
    return row, key


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return list(await session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc())))


async def revoke_key(session: AsyncSession, key_id: str) -> bool:
    row = await session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    await session.commit()
    return True


async def owner_from_api_key(
    key: str | None, *, admin_key: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> Owner:
    if not key:
        raise ApiError(401, "Missing API key (X-API-Key header)", headers=UNAUTHORIZED_HEADERS)
    if hmac.compare_digest(key.encode(), admin_key.encode()):
        return ADMIN_OWNER
    async with sessionmaker() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == digest(key)))
    if row is None or row.revoked_at is not None:
        raise ApiError(401, "Invalid or revoked API key", headers=UNAUTHORIZED_HEADERS)
    return Owner(id=f"key-{row.id}", is_admin=row.role == "admin")
