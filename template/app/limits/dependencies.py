"""The app's rate limits and budgets, for the routes and schemes that count against them."""

from typing import cast

from starlette.requests import HTTPConnection

from app.limits.service import Limits


def limits_of(connection: HTTPConnection) -> Limits:
    return cast(Limits, connection.app.state.resources.limits)
