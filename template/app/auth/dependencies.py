"""`CurrentOwner` and `AdminOwner`: who is calling, for every route that needs to know.

How a caller proves who they are is this service's auth scheme (`app.auth.scheme`); routes
only ever see the `Owner` it resolves.
"""

from typing import Annotated

from fastapi import Depends

from app.auth.owner import Owner
from app.auth.scheme import (
    CREDENTIAL_REQUIRED,
    get_current_owner,
    websocket_credential,
    websocket_owner,
)
from app.core.errors import ApiError

__all__ = [
    "CREDENTIAL_REQUIRED",
    "AdminOwner",
    "CurrentOwner",
    "require_admin",
    "websocket_credential",
    "websocket_owner",
]

CurrentOwner = Annotated[Owner, Depends(get_current_owner)]


async def require_admin(owner: CurrentOwner) -> Owner:
    if not owner.is_admin:
        raise ApiError(403, "This needs an administrator")
    return owner


AdminOwner = Annotated[Owner, Depends(require_admin)]
