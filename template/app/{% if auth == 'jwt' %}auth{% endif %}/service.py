"""Users: registration, sign-in, the caller behind an access token, password changes, and the
first administrator."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import sessions
from app.auth.models import User, UserSession
from app.auth.owner import Owner
from app.auth.passwords import hash_password, password_problem, verify_password
from app.auth.sessions import UNAUTHORIZED_HEADERS
from app.auth.tokens import read_access_token
from app.core.clock import utcnow
from app.core.errors import ApiError
from app.core.startup import StartupError
from app.settings import Settings

logger = logging.getLogger(__name__)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password(password: str, *, email: str, field: str = "password") -> None:
    problem = password_problem(password, email=email)
    if problem is not None:
        raise ApiError(
            422,
            f"{field}: {problem}",
            detail=[{"loc": ["body", field], "msg": problem, "type": "value_error"}],
        )


async def register_user(
    session: AsyncSession, *, email: str, password: str, settings: Settings, role: str = "user"
) -> User:
    email = normalize_email(email)
    check_password(password, email=email)
    hashed = await hash_password(password, settings)
    user = User(email=email, hashed_password=hashed, role=role)
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise ApiError(409, f"A user with email {email!r} already exists") from None
    return user


async def authenticate(
    session: AsyncSession, *, email: str, password: str, settings: Settings
) -> User | None:
    """The active user with these credentials; a password hashed at another cost than the
    settings' is hashed again at theirs."""
    user = await session.scalar(select(User).where(User.email == normalize_email(email)))
    valid, renewed = await verify_password(
        password, user.hashed_password if user else None, settings
    )
    if not valid or user is None or not user.is_active:
        return None
    if renewed is not None:
        user.hashed_password = renewed
        await session.commit()
    return user


@dataclass(frozen=True, slots=True)
class SignedIn:
    owner: Owner
    session_id: str


async def owner_from_token(
    token: str | None,
    *,
    secret: str,
    max_lifetime: timedelta,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> SignedIn:
    """The active user behind a valid access token of a session that has not ended."""
    if not token:
        raise ApiError(401, "Not authenticated", headers=UNAUTHORIZED_HEADERS)
    claims = read_access_token(token, secret=secret, max_lifetime=max_lifetime)
    if claims is None:
        raise ApiError(401, "Invalid or expired token", headers=UNAUTHORIZED_HEADERS)
    async with sessionmaker() as session:
        found = (
            await session.execute(
                select(User.id, User.role, User.is_active, UserSession)
                .join(UserSession, UserSession.user_id == User.id)
                .where(User.id == claims.user_id, UserSession.id == claims.session_id)
            )
        ).one_or_none()
    if found is None or not found.is_active or not sessions.is_live(found.UserSession, utcnow()):
        raise ApiError(401, "Invalid or expired token", headers=UNAUTHORIZED_HEADERS)
    return SignedIn(Owner(id=found.id, is_admin=found.role == "admin"), claims.session_id)


async def change_password(
    session: AsyncSession,
    *,
    user_id: str,
    current: str,
    new: str,
    session_id: str,
    settings: Settings,
) -> None:
    """Every other session of the user ends: whoever knew the old password is signed out."""
    user = await session.get(User, user_id)
    valid, _ = await verify_password(current, user.hashed_password if user else None, settings)
    if user is None or not valid:
        raise ApiError(403, "The current password is not correct")
    check_password(new, email=user.email, field="new_password")
    user.hashed_password = await hash_password(new, settings)
    await session.commit()
    await sessions.revoke_all(session, user_id, keep=session_id)


async def ensure_admin(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD when there is none yet.

    An account someone already registered with that address is never promoted: it was not
    necessarily registered by whoever set ADMIN_EMAIL.
    """
    if not settings.admin_email or settings.admin_password is None:
        return
    email = normalize_email(settings.admin_email)
    password = settings.admin_password.get_secret_value()
    problem = password_problem(password, email=email)
    if problem is not None:
        raise StartupError(f"ADMIN_PASSWORD is not acceptable: {problem}")
    async with sessionmaker() as session:
        admins = await session.scalar(
            select(func.count()).select_from(User).where(User.role == "admin")
        )
        if admins:
            return
        existing = await session.scalar(select(User).where(User.email == email))
        if existing is not None:
            logger.error(
                "ADMIN_EMAIL belongs to an account registered before it was configured; it is "
                "not promoted. Choose another ADMIN_EMAIL, or promote that account yourself "
                "if it is yours (PATCH /api/admin/users/{id} as another admin, or in the database)"
            )
            return
        await register_user(
            session, email=email, password=password, settings=settings, role="admin"
        )
    logger.info("created the first admin from ADMIN_EMAIL")
