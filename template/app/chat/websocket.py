"""`/ws/chat`: the same events as the SSE stream, as WebSocket text frames.

Send a JSON chat request per turn; receive `{"content": ...}` frames (the first one also
carries `conversation_id`), with `use_knowledge` a `{"citations": [...]}` frame, then `[DONE]`
(or `{"error": ...}`). The connection stays open for the next turn.
"""

import json
import logging
from contextlib import aclosing

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from app.auth.dependencies import websocket_owner
from app.chat.dependencies import chat_service
from app.chat.events import citations_payload
from app.chat.schemas import ChatRequest
from app.chat.turn import WEBSOCKET
from app.core.errors import ApiError

router = APIRouter(tags=["chat"])
logger = logging.getLogger(__name__)

POLICY_VIOLATION = 1008
UNAUTHORIZED = 4401


@router.websocket("/ws/chat")
async def chat_websocket(websocket: WebSocket) -> None:
    service = chat_service(websocket)
    if not service.settings.ws_chat_enabled:
        await websocket.close(code=POLICY_VIOLATION, reason="WebSocket chat is disabled")
        return
    try:
        owner = await websocket_owner(websocket)
    except ApiError as exc:
        await websocket.close(code=UNAUTHORIZED, reason=exc.message)
        return
    await websocket.accept()
    try:
        while True:
            raw = await websocket.receive_text()
            try:
                body = ChatRequest.model_validate_json(raw)
                prepared = await service.prepare(owner, body, endpoint=WEBSOCKET)
                stream = await service.open_stream(prepared)
            except ValidationError as exc:
                await websocket.send_text(json.dumps({"error": _first_error(exc), "code": 422}))
                continue
            except ApiError as exc:
                await websocket.send_text(
                    json.dumps({"error": exc.message, "code": exc.status_code})
                )
                continue
            first: dict[str, str] = {"conversation_id": prepared.conversation_id or ""}
            async with aclosing(stream.deltas()) as deltas:
                try:
                    async for delta in deltas:
                        # The first frame also names the conversation, to continue it later.
                        await websocket.send_text(
                            json.dumps({"content": delta, **first}, ensure_ascii=False)
                        )
                        first = {}
                except ApiError as exc:
                    await websocket.send_text(json.dumps({"error": exc.message}))
                    continue
            citations = citations_payload(prepared)
            if citations is not None:
                await websocket.send_text(json.dumps(citations, ensure_ascii=False))
            await websocket.send_text("[DONE]")
    except WebSocketDisconnect:
        logger.debug("websocket chat client left")


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])
