"""`/ws/chat`: the same events as the SSE stream, as WebSocket text frames.

Credentials come in the headers, as on HTTP, or, for clients that cannot set WebSocket headers
(browsers), in a first message `{"type": "auth", "token": "..."}`, answered by
`{"type": "ready"}`; never in the URL. Then send a JSON chat request per turn; receive
`{"content": ...}` frames (the first one also carries `conversation_id`), a
`{"tool_calls": [...]}` frame when the model calls tools, with `use_knowledge` a
`{"citations": [...]}` frame, then `[DONE]` (or `{"error": ...}`). The connection stays open
for the next turn. A refusal closes the socket with a code and a reason: 4401 (credentials),
1008 (WebSocket chat switched off).
"""

import json
import logging
from contextlib import aclosing
from dataclasses import asdict

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from app.auth.dependencies import CREDENTIAL_REQUIRED, websocket_credential, websocket_owner
from app.auth.owner import Owner
from app.chat.dependencies import chat_service
from app.chat.events import citations_payload
from app.chat.schemas import ChatRequest
from app.chat.turn import WEBSOCKET
from app.core.errors import ApiError, validation_detail, validation_message
from app.limits.dependencies import limits_of
from app.llm.tools import ToolCallAssembler

router = APIRouter(tags=["chat"])
logger = logging.getLogger(__name__)

POLICY_VIOLATION = 1008
UNAUTHORIZED = 4401
SIGN_IN_TIMEOUT_SECONDS = 10.0
SIGN_IN_HINT = 'Send credentials in a header or first {"type": "auth", "token": "..."}'


@router.websocket("/ws/chat")
async def chat_websocket(websocket: WebSocket) -> None:
    service = chat_service(websocket)
    # Accepted first: a refusal is then a close code and a reason the client sees, rather
    # than the bare HTTP 403 a server answers to a handshake refused before it completes.
    await websocket.accept()
    if not service.settings.ws_chat_enabled:
        await websocket.close(code=POLICY_VIOLATION, reason="WebSocket chat is disabled")
        return
    try:
        owner = await _sign_in(websocket)
    except ApiError as exc:
        await websocket.close(code=UNAUTHORIZED, reason=exc.message[:120])
        return
    except WebSocketDisconnect:
        return
    try:
        while True:
            raw = await websocket.receive_text()
            try:
                await limits_of(websocket).admit(owner)  # each turn is a request
                body = ChatRequest.model_validate(_parsed(raw))
                prepared = await service.prepare(owner, body, endpoint=WEBSOCKET)
                stream = await service.open_stream(prepared)
            except ValidationError as exc:
                # `loc` starts at "body", as on HTTP: the message is this turn's body.
                errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
                detail = validation_detail(errors)
                await _send_error(websocket, 422, validation_message(detail), detail)
                continue
            except ApiError as exc:
                await _send_error(websocket, exc.status_code, exc.message, exc.detail)
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
            citations = citations_payload(prepared)
            if citations is not None:
                await websocket.send_text(json.dumps(citations, ensure_ascii=False))
            await websocket.send_text("[DONE]")
    except WebSocketDisconnect:
        logger.debug("websocket chat client left")


async def _sign_in(websocket: WebSocket) -> Owner:
    credential = websocket_credential(websocket)
    if credential is not None or not CREDENTIAL_REQUIRED:
        return await websocket_owner(websocket, credential)
    with anyio.move_on_after(SIGN_IN_TIMEOUT_SECONDS):
        message = await websocket.receive_text()
        owner = await websocket_owner(websocket, _token_of(message))
        await websocket.send_text(json.dumps({"type": "ready"}))
        return owner
    raise ApiError(401, f"No credentials within {SIGN_IN_TIMEOUT_SECONDS:g} s. {SIGN_IN_HINT}")


def _token_of(message: str) -> str:
    try:
        parsed = json.loads(message)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and parsed.get("type") == "auth":
        token = parsed.get("token")
        if isinstance(token, str) and token:
            return token
    raise ApiError(401, SIGN_IN_HINT)


def _parsed(raw: str) -> object:
    """The turn's JSON, parsed as HTTP bodies are (Python's parser keeps an unpaired
    surrogate escape, which the text rules then refuse by field, rather than failing the
    whole message)."""
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ValidationError.from_exception_data(
            "ChatRequest",
            [{"type": "json_invalid", "loc": (), "input": raw, "ctx": {"error": str(exc)}}],
        ) from None


async def _send_error(websocket: WebSocket, code: int, message: str, detail: object) -> None:
    """An invalid turn is answered by an error frame shaped like the HTTP envelope (`detail`
    carries `loc`); the connection stays open for the next turn."""
    frame: dict[str, object] = {"error": message, "code": code}
    if detail is not None:
        frame["detail"] = detail
    await websocket.send_text(json.dumps(frame))
