"""JWT bearer tokens: `Authorization: Bearer <access token>` from `POST /api/auth/token`.

A WebSocket client that cannot set headers (a browser) sends the token in its first message
instead; never in the URL, which proxies and access logs keep.
"""

from datetime import timedelta
from typing import Annotated, cast

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer
from starlette.requests import HTTPConnection

from app.auth.owner import Owner
from app.auth.service import owner_from_token
from app.dependencies import sessionmaker_of, settings_of
from app.limits.dependencies import limits_of

bearer_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


async def get_current_owner(
    connection: HTTPConnection, token: Annotated[str | None, Depends(bearer_scheme)]
) -> Owner:
    owner = await _owner(connection, token)
    await limits_of(connection).admit(owner)
    return owner


CREDENTIAL_REQUIRED = True


def websocket_credential(connection: HTTPConnection) -> str | None:
    return bearer_token(connection)


async def websocket_owner(connection: HTTPConnection, credential: str | None) -> Owner:
    return await _owner(connection, credential)


def current_session_id(connection: HTTPConnection) -> str:
    """The sign-in session of the request's access token (set when its owner was resolved)."""
    return cast(str, connection.state.session_id)


async def _owner(connection: HTTPConnection, token: str | None) -> Owner:
    settings = settings_of(connection)
    signed_in = await owner_from_token(
        token,
        secret=settings.jwt_secret.get_secret_value(),
        max_lifetime=timedelta(minutes=settings.access_token_expire_minutes),
        sessionmaker=sessionmaker_of(connection),
    )
    connection.state.session_id = signed_in.session_id
    return signed_in.owner


def bearer_token(connection: HTTPConnection) -> str | None:
    scheme, _, value = connection.headers.get("authorization", "").partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None
