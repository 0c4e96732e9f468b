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
from app.core.openapi import errors

__all__ = [
    "ADMIN_ERRORS",
    "CREDENTIAL_REQUIRED",
    "OWNER_ERRORS",
    "AdminOwner",
    "CurrentOwner",
    "require_admin",
    "websocket_credential",
    "websocket_owner",
]

CurrentOwner = Annotated[Owner, Depends(get_current_owner)]
# What every route with a `CurrentOwner` can answer (its router declares it): credentials are
# checked against the database, and every caller counts against its rate limit.
OWNER_ERRORS = errors(*((401, 503) if CREDENTIAL_REQUIRED else ()), 429)


async def require_admin(owner: CurrentOwner) -> Owner:
    if not owner.is_admin:
        raise ApiError(403, "This needs an administrator")
    return owner


ADMIN_ERRORS = {**OWNER_ERRORS, **errors(403)}

AdminOwner = Annotated[Owner, Depends(require_admin)]
