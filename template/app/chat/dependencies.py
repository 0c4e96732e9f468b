"""`ChatServiceDep`: a chat service wired to this app's resources."""

from typing import Annotated

from fastapi import Depends

from app.chat.service import ChatService
from app.dependencies import ResourcesDep


def get_chat_service(resources: ResourcesDep) -> ChatService:
    return ChatService(
        llm=resources.llm,
        sessionmaker=resources.sessionmaker,
        settings=resources.settings,
        metrics=resources.metrics,
        cache=resources.cache,
    )


ChatServiceDep = Annotated[ChatService, Depends(get_chat_service)]
