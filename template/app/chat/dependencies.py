"""The app's chat service (stateless, so built once at start-up), for the chat transports.

A plain function of the connection rather than a `Depends`: the chat routes are the
service's hot path, and every FastAPI dependency costs each request its resolution.
"""

from typing import cast

from starlette.requests import HTTPConnection

from app.chat.service import ChatService


def chat_service(connection: HTTPConnection) -> ChatService:
    return cast(ChatService, connection.app.state.resources.chat)
