"""Shared `Annotated` dependencies, so routes read like their contract.

All `async def`: FastAPI runs plain `def` dependencies in a worker thread, a thread hop per
request for what is only an attribute lookup.
"""

from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from app.resources import Resources
from app.settings import Settings


def resources_of(connection: HTTPConnection) -> Resources:
    return cast(Resources, connection.app.state.resources)


async def get_resources(connection: HTTPConnection) -> Resources:
    return resources_of(connection)


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_settings(resources: ResourcesDep) -> Settings:
    return resources.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(resources: ResourcesDep) -> AsyncIterator[AsyncSession]:
    async with resources.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
