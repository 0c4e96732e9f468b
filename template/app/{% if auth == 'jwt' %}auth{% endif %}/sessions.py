"""Sign-in sessions: started at login, kept going by rotating refresh tokens, ended by logout,
a password change or an administrator.

A refresh token works once. Presented again — it was stolen, or replayed — it ends its whole
session, so a thief and the owner cannot both keep using it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import RefreshToken, UserSession
from app.auth.tokens import new_refresh_token, refresh_digest
from app.core.clock import utcnow
from app.core.errors import ApiError

UNAUTHORIZED_HEADERS = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True, slots=True)
class Renewal:
    session_id: str
    user_id: str
    refresh_token: str


async def start(session: AsyncSession, *, user_id: str, lifetime: timedelta) -> Renewal:
    row = UserSession(user_id=user_id, expires_at=utcnow() + lifetime)
    session.add(row)
    await session.flush()
    token = new_refresh_token()
    session.add(RefreshToken(token_hash=refresh_digest(token), session_id=row.id))
    await session.commit()
    return Renewal(row.id, user_id, token)


async def rotate(session: AsyncSession, refresh_token: str) -> Renewal:
    """A new refresh token for the session of `refresh_token`, which is used up."""
    now = utcnow()
    found = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == refresh_digest(refresh_token))
    )
    if found is None:
        raise _refused("Invalid refresh token")
    owner = await session.get(UserSession, found.session_id)
    if owner is None or not is_live(owner, now):
        raise _refused("This session has ended; sign in again")
    if found.used_at is not None:
        owner.revoked_at = now
        await session.commit()
        raise _refused("This refresh token was already used; the session is ended, sign in again")
    found.used_at = now
    token = new_refresh_token()
    session.add(RefreshToken(token_hash=refresh_digest(token), session_id=owner.id))
    await session.commit()
    return Renewal(owner.id, owner.user_id, token)


async def revoke(session: AsyncSession, session_id: str) -> None:
    await session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    await session.commit()


async def revoke_all(session: AsyncSession, user_id: str, *, keep: str | None = None) -> None:
    statement = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        statement = statement.where(UserSession.id != keep)
    await session.execute(statement.values(revoked_at=utcnow()))
    await session.commit()


def is_live(row: UserSession, now: datetime) -> bool:
    expires_at = row.expires_at
    if expires_at.tzinfo is None:  # SQLite hands back naive UTC
        expires_at = expires_at.replace(tzinfo=now.tzinfo)
    return row.revoked_at is None and expires_at > now


def _refused(message: str) -> ApiError:
    return ApiError(401, message, headers=UNAUTHORIZED_HEADERS)
