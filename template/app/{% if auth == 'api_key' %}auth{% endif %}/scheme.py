"""API keys: `X-API-Key: <key>`, or `Authorization: Bearer <key>` (what OpenAI SDKs send).

A WebSocket client that cannot set headers (a browser) sends the key in its first message
instead; never in the URL, which proxies and access logs keep.
"""

from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from app.auth.owner import Owner
from app.auth.service import KeyChecker
from app.dependencies import sessionmaker_of, settings_of
from app.limits.dependencies import limits_of

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
bearer_scheme = HTTPBearer(auto_error=False)
_keys = KeyChecker()


async def get_current_owner(
    connection: HTTPConnection,
    api_key: Annotated[str | None, Depends(api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Owner:
    owner = await _owner(connection, api_key or (bearer.credentials if bearer else None))
    await limits_of(connection).admit(owner)
    return owner


CREDENTIAL_REQUIRED = True


def websocket_credential(connection: HTTPConnection) -> str | None:
    return connection.headers.get("x-api-key") or bearer_token(connection)


async def websocket_owner(connection: HTTPConnection, credential: str | None) -> Owner:
    return await _owner(connection, credential)


async def _owner(connection: HTTPConnection, key: str | None) -> Owner:
    return await _keys.owner(
        key,
        admin_key=settings_of(connection).admin_api_key.get_secret_value(),
        sessionmaker=sessionmaker_of(connection),
    )


def bearer_token(connection: HTTPConnection) -> str | None:
    scheme, _, value = connection.headers.get("authorization", "").partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None
