"""This service has no authentication: every caller is the same anonymous owner.

Choosing an auth scheme later (`aiapi update --data auth=jwt` or `auth=api_key`) replaces
this module; routes keep depending on `CurrentOwner` only.
"""

from starlette.requests import HTTPConnection

from app.auth.owner import Owner

ANONYMOUS = Owner(id="anonymous")


async def get_current_owner() -> Owner:
    return ANONYMOUS


async def websocket_owner(_connection: HTTPConnection) -> Owner:
    return ANONYMOUS
