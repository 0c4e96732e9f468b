"""API keys: issue, look up, rotate, revoke; the caller behind a key; the first admin key."""

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.models import ApiClient, ApiKey
from app.auth.owner import Owner
from app.core.clock import utcnow
from app.core.errors import ApiError, is_database_unavailable

logger = logging.getLogger(__name__)

KEY_PREFIX = "sk-"
ADMIN_CLIENT_NAME = "admin"
CONFIGURED_ADMIN = Owner(id="admin", is_admin=True)
UNAUTHORIZED_HEADERS = {"WWW-Authenticate": "Bearer"}
LAST_USED_EVERY_SECONDS = 60.0  # how often a key's last use is written, at most


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedKey:
    id: str
    client_id: str
    key: str


@dataclass(frozen=True, slots=True)
class KeyListing:
    key: ApiKey
    client: ApiClient


async def issue_key(
    session: AsyncSession, *, name: str, role: str, client_id: str | None = None
) -> IssuedKey:
    """A key for a new client, or one more for `client_id` (rotation)."""
    if client_id is None:
        if not name.strip():
            raise ApiError(422, "name: a new client needs a name")
        client = ApiClient(name=name.strip(), role=role)
        session.add(client)
        await session.flush()
    else:
        found = await session.get(ApiClient, client_id)
        if found is None:
            raise ApiError(404, f"API client {client_id!r} not found")
        client = found
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(client_id=client.id, prefix=key[:10], key_hash=digest(key))
    session.add(row)
    await session.commit()
    return IssuedKey(row.id, client.id, key)


async def list_keys(session: AsyncSession) -> list[KeyListing]:
    rows = await session.execute(
        select(ApiKey, ApiClient)
        .join(ApiClient, ApiClient.id == ApiKey.client_id)
        .order_by(ApiKey.created_at.desc(), ApiKey.id)
    )
    return [KeyListing(key, client) for key, client in rows]


async def revoke_key(session: AsyncSession, key_id: str) -> bool:
    row = await session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    await session.commit()
    return True


class KeyChecker:
    """Finds the client behind a key; remembers when each key was last used (written at most
    once a minute per key, so a busy key does not cost a write per request)."""

    def __init__(self) -> None:
        self._last_written: dict[str, float] = {}

    async def owner(
        self,
        key: str | None,
        *,
        admin_key: str,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> Owner:
        if not key:
            raise ApiError(401, "Missing API key (X-API-Key header)", headers=UNAUTHORIZED_HEADERS)
        if admin_key and hmac.compare_digest(key.encode(), admin_key.encode()):
            return CONFIGURED_ADMIN
        async with sessionmaker() as session:
            found = (
                await session.execute(
                    select(ApiKey.id, ApiKey.revoked_at, ApiClient.id, ApiClient.role)
                    .join(ApiClient, ApiClient.id == ApiKey.client_id)
                    .where(ApiKey.key_hash == digest(key))
                )
            ).one_or_none()
            if found is None or found[1] is not None:
                raise ApiError(401, "Invalid or revoked API key", headers=UNAUTHORIZED_HEADERS)
            key_id, _, client_id, role = found
            await self._note_use(session, key_id)
        return Owner(id=client_id, is_admin=role == "admin")

    async def _note_use(self, session: AsyncSession, key_id: str) -> None:
        """Best effort: a database too busy to note it does not refuse the request."""
        now = time.monotonic()
        if now - self._last_written.get(key_id, -LAST_USED_EVERY_SECONDS) < LAST_USED_EVERY_SECONDS:
            return
        self._last_written[key_id] = now
        try:
            await session.execute(
                update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow())
            )
            await session.commit()
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            await session.rollback()


async def ensure_admin_key(
    sessionmaker: async_sessionmaker[AsyncSession], *, configured: bool
) -> str | None:
    """With no ADMIN_API_KEY configured and no admin client yet, makes one with a fresh key,
    which is returned to be shown once (only its digest is stored)."""
    if configured:
        return None
    async with sessionmaker() as session:
        existing = await session.scalar(select(ApiClient.id).where(ApiClient.role == "admin"))
        if existing is not None:
            return None
        issued = await issue_key(session, name=ADMIN_CLIENT_NAME, role="admin")
    return issued.key
