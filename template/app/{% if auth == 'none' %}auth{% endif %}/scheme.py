"""This service has no authentication: every caller is the same anonymous owner.

Rate limits and budgets still apply, per client address. Choosing an auth scheme later
(`aiapi update --data auth=jwt` or `auth=api_key`) replaces this module; routes keep
depending on `CurrentOwner` only.
"""

from starlette.requests import HTTPConnection

from app.auth.owner import Owner
from app.core.client import client_address
from app.dependencies import settings_of
from app.limits.dependencies import limits_of

ANONYMOUS_ID = "anonymous"


CREDENTIAL_REQUIRED = False


async def get_current_owner(connection: HTTPConnection) -> Owner:
    owner = _anonymous(connection)
    await limits_of(connection).admit(owner)
    return owner


def websocket_credential(_connection: HTTPConnection) -> str | None:
    return None


async def websocket_owner(connection: HTTPConnection, _credential: str | None) -> Owner:
    return _anonymous(connection)


def _anonymous(connection: HTTPConnection) -> Owner:
    address = client_address(connection, settings_of(connection).trusted_networks)
    return Owner(id=ANONYMOUS_ID, limit_key=f"ip:{address}")
