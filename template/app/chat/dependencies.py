"""The app's chat service (stateless, so built once at start-up), for the chat routes.

A plain function of the request rather than a `Depends`: the chat routes are the service's hot
path, and FastAPI spends ~10 us per request resolving each dependency, a fifth of a whole
bare request, for what is an attribute lookup.
"""

from starlette.requests import HTTPConnection

from app.chat.service import ChatService
from app.dependencies import resources_of


def chat_service(connection: HTTPConnection) -> ChatService:
    return resources_of(connection).chat
