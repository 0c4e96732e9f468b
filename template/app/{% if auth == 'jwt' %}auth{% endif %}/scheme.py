"""JWT bearer tokens: `Authorization: Bearer <access token>` from `POST /api/auth/token`.

WebSockets may pass `?access_token=` instead, since browsers cannot set their headers.
"""

from typing import Annotated

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


async def websocket_owner(connection: HTTPConnection) -> Owner:
    token = bearer_token(connection) or connection.query_params.get("access_token")
    return await _owner(connection, token)


async def _owner(connection: HTTPConnection, token: str | None) -> Owner:
    return await owner_from_token(
        token,
        secret=settings_of(connection).jwt_secret.get_secret_value(),
        sessionmaker=sessionmaker_of(connection),
    )


def bearer_token(connection: HTTPConnection) -> str | None:
    scheme, _, value = connection.headers.get("authorization", "").partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None
