"""Users: registration, login, the caller behind a token, and the first admin."""

import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.models import User
from app.auth.owner import Owner
from app.auth.passwords import hash_password, verify_password
from app.auth.tokens import subject_of
from app.core.errors import ApiError
from app.settings import Settings

logger = logging.getLogger(__name__)

UNAUTHORIZED_HEADERS = {"WWW-Authenticate": "Bearer"}


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def register_user(
    session: AsyncSession, *, email: str, password: str, role: str = "user"
) -> User:
    user = User(
        email=normalize_email(email), hashed_password=await hash_password(password), role=role
    )
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise ApiError(409, f"A user with email {email!r} already exists") from None
    return user


async def authenticate(session: AsyncSession, *, email: str, password: str) -> User | None:
    user = await session.scalar(select(User).where(User.email == normalize_email(email)))
    valid = await verify_password(password, user.hashed_password if user else None)
    return user if valid and user is not None and user.is_active else None


async def owner_from_token(
    token: str | None, *, secret: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> Owner:
    if not token:
        raise ApiError(401, "Not authenticated", headers=UNAUTHORIZED_HEADERS)
    user_id = subject_of(token, secret=secret)
    if user_id is None:
        raise ApiError(401, "Invalid or expired token", headers=UNAUTHORIZED_HEADERS)
    async with sessionmaker() as session:
        user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise ApiError(401, "Invalid or expired token", headers=UNAUTHORIZED_HEADERS)
    return Owner(id=user.id, is_admin=user.role == "admin")


async def ensure_admin(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD when there is none yet."""
    if not settings.admin_email or settings.admin_password is None:
        return
    async with sessionmaker() as session:
        admins = await session.scalar(
            select(func.count()).select_from(User).where(User.role == "admin")
        )
        if admins:
            return
        existing = await session.scalar(
            select(User).where(User.email == normalize_email(settings.admin_email))
        )
        if existing is not None:
            existing.role = "admin"
            await session.commit()
        else:
            password = settings.admin_password.get_secret_value()
            await register_user(
                session, email=settings.admin_email, password=password, role="admin"
            )
    logger.info("created the first admin: %s", settings.admin_email)
