"""`ChatServiceDep`: the app's chat service (stateless, so built once at start-up)."""

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from app.chat.service import ChatService
from app.dependencies import resources_of


async def get_chat_service(connection: HTTPConnection) -> ChatService:
    return resources_of(connection).chat


ChatServiceDep = Annotated[ChatService, Depends(get_chat_service)]
