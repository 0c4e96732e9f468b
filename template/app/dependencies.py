"""Shared `Annotated` dependencies, so routes read like their contract.

What the lifespan opened lives on `app.state.resources`; these functions hand each route only
the piece it needs, typed, so nothing below the app factory has to know the whole set. All
`async def`: FastAPI runs plain `def` dependencies in a worker thread, a thread hop per
request for what is an attribute lookup.
"""

from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from app.core.openapi import errors
from app.core.readiness import ReadinessCheck
from app.settings import Settings


def settings_of(connection: HTTPConnection) -> Settings:
    return cast(Settings, connection.app.state.settings)


def sessionmaker_of(connection: HTTPConnection) -> async_sessionmaker[AsyncSession]:
    return cast(async_sessionmaker[AsyncSession], connection.app.state.resources.sessionmaker)


def readiness_checks_of(connection: HTTPConnection) -> list[ReadinessCheck]:
    return cast(list[ReadinessCheck], connection.app.state.resources.readiness)


async def get_settings(connection: HTTPConnection) -> Settings:
    return settings_of(connection)


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(connection: HTTPConnection) -> AsyncIterator[AsyncSession]:
    async with sessionmaker_of(connection)() as session:
        yield session


DATABASE_ERRORS = errors(503)  # the database is unavailable: retry later

SessionDep = Annotated[AsyncSession, Depends(get_session)]
