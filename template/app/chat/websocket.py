"""`/ws/chat`: the same events as the SSE stream, as WebSocket text frames.

Send a JSON chat request per turn; receive `{"content": ...}` frames (the first one also
carries `conversation_id`), a `{"tool_calls": [...]}` frame when the model calls tools, then
`[DONE]` (or `{"error": ...}`). The connection stays open for the next turn.
"""

import json
import logging
from contextlib import aclosing
from dataclasses import asdict

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from app.auth.dependencies import websocket_owner
from app.chat.dependencies import chat_service
from app.chat.schemas import ChatRequest
from app.chat.turn import WEBSOCKET
from app.core.errors import ApiError
from app.limits.dependencies import limits_of
from app.llm.tools import ToolCallAssembler

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
                await limits_of(websocket).admit(owner)  # each turn is a request
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
            # The first frame also names the conversation, to continue it later.
            first: dict[str, object] = {"conversation_id": prepared.conversation_id or ""}
            if prepared.guard.flagged:
                first["prompt_guard"] = list(prepared.guard.attacks)
            calls = ToolCallAssembler()
            async with aclosing(stream.deltas()) as deltas:
                try:
                    async for delta in deltas:
                        if not isinstance(delta, str):
                            calls.add(delta)
                            continue
                        await websocket.send_text(
                            json.dumps({"content": delta, **first}, ensure_ascii=False)
                        )
                        first = {}
                except ApiError as exc:
                    await websocket.send_text(json.dumps({"error": exc.message}))
                    continue
            if calls:
                tool_calls = [asdict(call) for call in calls.calls()]
                await websocket.send_text(
                    json.dumps({"tool_calls": tool_calls, **first}, ensure_ascii=False)
                )
            await websocket.send_text("[DONE]")
    except WebSocketDisconnect:
        logger.debug("websocket chat client left")


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])
