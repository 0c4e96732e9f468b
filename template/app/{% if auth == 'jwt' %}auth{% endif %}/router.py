"""`/api/auth`: register, log in (OAuth2 password flow), and who am I."""

from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm

from app.auth import service
from app.auth.dependencies import CurrentOwner
from app.auth.models import User
from app.auth.schemas import Token, UserCreate, UserPublic
from app.auth.tokens import create_access_token
from app.core.envelope import Envelope, ok
from app.core.errors import ApiError
from app.dependencies import SessionDep, SettingsDep

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _public(user: User) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("/register", status_code=status.HTTP_201_CREATED)
async def register(body: UserCreate, session: SessionDep) -> Envelope[UserPublic]:
    user = await service.register_user(session, email=body.email, password=body.password)
    return ok(_public(user))


@router.post("/token")
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    user = await service.authenticate(session, email=form.username, password=form.password)
    if user is None:
        raise ApiError(401, "Incorrect email or password", headers=service.UNAUTHORIZED_HEADERS)
    minutes = settings.access_token_expire_minutes
    token = create_access_token(
        subject=user.id,
        secret=settings.jwt_secret.get_secret_value(),
        expires_minutes=minutes,
    )
    return Token(access_token=token, expires_in=minutes * 60)


@router.get("/me")
async def me(owner: CurrentOwner, session: SessionDep) -> Envelope[UserPublic]:
    user = await session.get(User, owner.id)
    if user is None:
        raise ApiError(404, "User not found")
    return ok(_public(user))
