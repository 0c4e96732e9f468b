"""`/api/auth`: register, sign in (OAuth2 password flow), refresh, sign out, who am I, and
change password."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from app.auth import service, sessions
from app.auth.dependencies import OWNER_ERRORS, CurrentOwner
from app.auth.models import User
from app.auth.schemas import (
    PasswordChange,
    RefreshRequest,
    SignInForm,
    Token,
    UserCreate,
    UserPublic,
)
from app.auth.scheme import current_session_id
from app.auth.throttle import AccountThrottle
from app.auth.tokens import create_access_token
from app.core.client import client_address
from app.core.envelope import Envelope, ok
from app.core.errors import ApiError
from app.core.openapi import errors
from app.dependencies import DATABASE_ERRORS, SessionDep, SettingsDep
from app.limits.dependencies import limits_of
from app.settings import Settings

# Every route reads or writes accounts in the database.
router = APIRouter(prefix="/api/auth", tags=["auth"], responses=DATABASE_ERRORS)


def _public(user: User) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


def _throttle(request: Request, settings: Settings) -> AccountThrottle:
    return AccountThrottle(limits_of(request).storage, settings)


@router.post("/register", status_code=status.HTTP_201_CREATED, responses=errors(403, 409, 429))
async def register(
    body: UserCreate, session: SessionDep, settings: SettingsDep, request: Request
) -> Envelope[UserPublic]:
    if not settings.registration_is_open:
        raise ApiError(403, "Registration is closed; ask an administrator for an account")
    email = service.normalize_email(body.email)
    if settings.admin_email and email == service.normalize_email(settings.admin_email):
        raise ApiError(403, "This email address cannot be registered")
    address = client_address(request, settings.trusted_networks)
    await _throttle(request, settings).before_registration(address)
    user = await service.register_user(
        session, email=email, password=body.password, settings=settings
    )
    return ok(_public(user), code=status.HTTP_201_CREATED)


@router.post("/token", responses=errors(401, 429))
async def login(
    form: Annotated[SignInForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> Token:
    account = service.normalize_email(form.username)
    address = client_address(request, settings.trusted_networks)
    throttle = _throttle(request, settings)
    await throttle.before_sign_in(account, address)
    user = await service.authenticate(
        session, email=account, password=form.password, settings=settings
    )
    if user is None:
        await throttle.failed_sign_in(account, address)
        raise ApiError(401, "Incorrect email or password", headers=sessions.UNAUTHORIZED_HEADERS)
    await throttle.signed_in(account)
    renewal = await sessions.start(
        session, user_id=user.id, lifetime=timedelta(days=settings.refresh_token_expire_days)
    )
    return _token(renewal, settings)


@router.post("/refresh", responses=errors(401))
async def refresh(body: RefreshRequest, session: SessionDep, settings: SettingsDep) -> Token:
    """A new access token and a new refresh token; the one sent is used up."""
    renewal = await sessions.rotate(session, body.refresh_token)
    user = await session.get(User, renewal.user_id)
    if user is None or not user.is_active:
        await sessions.revoke(session, renewal.session_id)
        raise ApiError(401, "This account is deactivated", headers=sessions.UNAUTHORIZED_HEADERS)
    return _token(renewal, settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=OWNER_ERRORS)
async def logout(owner: CurrentOwner, session: SessionDep, request: Request) -> None:
    """Ends this session: its access and refresh tokens stop working at once."""
    await sessions.revoke(session, current_session_id(request))


@router.get("/me", responses={**OWNER_ERRORS, **errors(404)})
async def me(owner: CurrentOwner, session: SessionDep) -> Envelope[UserPublic]:
    user = await session.get(User, owner.id)
    if user is None:
        raise ApiError(404, "User not found")
    return ok(_public(user))


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**OWNER_ERRORS, **errors(403)},
)
async def change_password(
    body: PasswordChange,
    owner: CurrentOwner,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> None:
    """Changes the password and ends every other session of the account."""
    await service.change_password(
        session,
        user_id=owner.id,
        current=body.current_password,
        new=body.new_password,
        session_id=current_session_id(request),
        settings=settings,
    )


def _token(renewal: sessions.Renewal, settings: Settings) -> Token:
    lifetime = timedelta(minutes=settings.access_token_expire_minutes)
    access = create_access_token(
        user_id=renewal.user_id,
        session_id=renewal.session_id,
        secret=settings.jwt_secret.get_secret_value(),
        lifetime=lifetime,
    )
    return Token(
        access_token=access,
        expires_in=int(lifetime.total_seconds()),
        refresh_token=renewal.refresh_token,
    )
