"""`POST /v1/responses`: OpenAI's Responses API (what the Vercel AI SDK's `openai` provider
and `client.responses.create` call), over the same chat service as every other transport.

Storage maps onto conversations. With `store` true (the default, as at OpenAI) a response is
kept as a conversation: its id is the conversation's id (also listed by `/api/conversations`),
and `previous_response_id` continues the conversation the caller owns with that id, so only
the new input needs sending. Continuing always continues the conversation as it is now, so
an older response of the same conversation cannot be branched from. Each answer's message
item id is kept too, so a later request may refer to it with an `item_reference`. With
`store: false` nothing but usage is recorded, and the response cannot be continued.
"""

import time
from dataclasses import replace

from fastapi import APIRouter, Request, Response

from app.auth.dependencies import OWNER_ERRORS, CurrentOwner
from app.auth.owner import Owner
from app.chat import store
from app.chat.dependencies import chat_service
from app.chat.schemas import TURN_ERRORS, guard_headers
from app.chat.service import ChatService
from app.chat.turn import RESPONSES, RESPONSES_UNSTORED
from app.core.errors import ApiError
from app.core.ids import new_id, random_hex
from app.core.sse import EVENT_STREAM, EventStreamResponse
from app.openai_api.responses_input import referenced_items, refuse_unhonoured, to_chat_request
from app.openai_api.responses_schemas import ResponseCreateRequest, ResponseDraft, ResponseObject
from app.openai_api.responses_stream import response_events

router = APIRouter(prefix="/v1", tags=["openai"], responses=OWNER_ERRORS)


@router.post(
    "/responses", response_model=ResponseObject, responses={200: EVENT_STREAM, **TURN_ERRORS}
)
async def create_response(
    body: ResponseCreateRequest, owner: CurrentOwner, request: Request, response: Response
) -> ResponseObject | EventStreamResponse:
    service = chat_service(request)
    refuse_unhonoured(body)
    stored = body.store is not False
    replies = await _stored_replies(service, owner, referenced_items(body.input))
    chat_input = to_chat_request(body, replies)
    chat_request = chat_input.request
    try:
        prepared = await service.prepare(
            owner, chat_request, endpoint=RESPONSES if stored else RESPONSES_UNSTORED
        )
    except ApiError as exc:
        raise chat_input.named_as_sent(exc) from None
    reply_item_id = f"msg_{new_id()}"
    if stored:
        prepared = replace(prepared, reply_item_id=reply_item_id)
    draft = ResponseDraft(
        id=prepared.conversation_id or f"resp_{random_hex(16)}",
        created_at=int(time.time()),
        model=prepared.model,
        reply_item_id=reply_item_id,
        body=body,
        tools=chat_request.tools or [],
        temperature=chat_request.temperature,
    )
    if body.stream:
        stream = await service.open_stream(prepared)
        return EventStreamResponse(
            response_events(stream, draft),
            ping_seconds=service.settings.sse_ping_seconds,
            headers=guard_headers(prepared),
        )
    result = await service.complete(prepared)
    response.headers.update(guard_headers(prepared))
    return draft.finished(result.content, result.tool_calls, result.finish_reason, result.usage)


async def _stored_replies(
    service: ChatService, owner: Owner, item_ids: list[str]
) -> dict[str, str]:
    if not item_ids:
        return {}
    async with service.sessionmaker() as session:
        return await store.replies_owned(session, owner_id=owner.id, item_ids=item_ids)
