"""`/api/chat` (JSON or SSE), `/api/chat/batch` and `/api/conversations`."""

from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request, Response, status

from app.auth.dependencies import OWNER_ERRORS, CurrentOwner
from app.chat import store
from app.chat.dependencies import chat_service
from app.chat.events import chat_events, citations_payload
from app.chat.schemas import (
    TURN_ERRORS,
    BatchItem,
    BatchReply,
    BatchRequest,
    ChatMessageIn,
    ChatReply,
    ChatRequest,
    CitationPublic,
    ConversationPublic,
    ConversationsPublic,
    ConversationSummary,
    MessagePublic,
    UsagePublic,
    guard_headers,
)
from app.chat.tool_schemas import ToolCallPublic
from app.chat.turn import BATCH, CHAT
from app.core.envelope import Envelope, ok
from app.core.errors import ApiError
from app.core.openapi import errors
from app.core.sse import EventStreamResponse
from app.core.text import ClientId, Offset, PageSize
from app.dependencies import DATABASE_ERRORS, SessionDep

router = APIRouter(prefix="/api", tags=["chat"], responses={**OWNER_ERRORS, **DATABASE_ERRORS})

SSE_RESPONSE = {"content": {"text/event-stream": {"example": 'data: {"content": "Hi"}\n\n'}}}


@router.post(
    "/chat",
    response_model=Envelope[ChatReply],
    responses={200: SSE_RESPONSE, **TURN_ERRORS},
    summary="Chat with the model (JSON, or a stream of SSE events with stream=true)",
)
async def chat(body: ChatRequest, owner: CurrentOwner, request: Request) -> Response:
    service = chat_service(request)
    prepared = await service.prepare(owner, body, endpoint=CHAT)
    if not body.stream:
        result = await service.complete(prepared)
        # Serialized here, once: the envelope is already valid, no second validation pass.
        envelope = ok(ChatReply.of(prepared, result))
        return Response(
            envelope.model_dump_json(),
            media_type="application/json",
            headers=guard_headers(prepared),
        )
    stream = await service.open_stream(prepared)
    return EventStreamResponse(
        chat_events(stream.deltas(), citations_payload(prepared)),
        ping_seconds=service.settings.sse_ping_seconds,
        headers={"X-Conversation-Id": prepared.conversation_id or "", **guard_headers(prepared)},
    )


@router.post(
    "/chat/batch",
    responses=TURN_ERRORS,
    summary="Several independent prompts, answered concurrently",
)
async def chat_batch(
    body: BatchRequest, owner: CurrentOwner, request: Request
) -> Envelope[BatchReply]:
    service = chat_service(request)
    settings = service.settings
    if len(body.prompts) > settings.chat_batch_max_prompts:
        raise ApiError(422, f"prompts: at most {settings.chat_batch_max_prompts} per batch")
    system = [ChatMessageIn(role="system", content=body.system)] if body.system else []
    prepared_calls = [
        await service.prepare(
            owner,
            ChatRequest(
                messages=[*system, ChatMessageIn(role="user", content=prompt)],
                model=body.model,
                temperature=body.temperature,
                max_tokens=body.max_tokens,
                use_knowledge=body.use_knowledge,
            ),
            endpoint=BATCH,
        )
        for prompt in body.prompts
    ]
    items: list[BatchItem] = [BatchItem(index=i) for i in range(len(prepared_calls))]
    limiter = anyio.CapacityLimiter(settings.chat_batch_concurrency)

    async def run(index: int) -> None:
        async with limiter:
            try:
                result = await service.complete(prepared_calls[index])
            except ApiError as exc:  # the model failed, or this call's budget ran out
                items[index] = BatchItem(index=index, error=exc.message)
                return
        items[index] = BatchItem(
            index=index,
            content=result.content,
            usage=UsagePublic.of(result.usage, result.cost_usd),
            citations=CitationPublic.all_of(prepared_calls[index].citations),
            prompt_guard=list(prepared_calls[index].guard.attacks),
        )

    async with anyio.create_task_group() as group:
        for index in range(len(prepared_calls)):
            group.start_soon(run, index)
    failed = sum(1 for item in items if item.error is not None)
    return ok(BatchReply(items=items, succeeded=len(items) - failed, failed=failed))


@router.get("/conversations", tags=["conversations"])
async def list_conversations(
    owner: CurrentOwner,
    session: SessionDep,
    limit: Annotated[PageSize, Query()] = 20,
    offset: Annotated[Offset, Query()] = 0,
) -> Envelope[ConversationsPublic]:
    page = await store.list_owned(session, owner_id=owner.id, limit=limit, offset=offset)
    items = [ConversationSummary.model_validate(row, from_attributes=True) for row in page.rows]
    return ok(ConversationsPublic(items=items, count=page.count))


@router.get("/conversations/{conversation_id}", tags=["conversations"], responses=errors(404))
async def get_conversation(
    conversation_id: ClientId, owner: CurrentOwner, session: SessionDep
) -> Envelope[ConversationPublic]:
    found = await store.get_owned(
        session, owner_id=owner.id, conversation_id=conversation_id, with_messages=True
    )
    if found is None:
        raise ApiError(404, f"Conversation {conversation_id!r} not found")
    return ok(
        ConversationPublic(
            id=found.id,
            title=found.title,
            model=found.model,
            created_at=found.created_at,
            updated_at=found.updated_at,
            messages=[
                MessagePublic(
                    role=m.role,
                    content=m.content,
                    created_at=m.created_at,
                    tool_calls=[ToolCallPublic.of(call) for call in store.calls_of(m.tool_calls)],
                    tool_call_id=m.tool_call_id,
                )
                for m in found.messages
            ],
        )
    )


@router.delete(
    "/conversations/{conversation_id}",
    tags=["conversations"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(404),
)
async def delete_conversation(
    conversation_id: ClientId, owner: CurrentOwner, session: SessionDep
) -> Response:
    deleted = await store.delete_owned(session, owner_id=owner.id, conversation_id=conversation_id)
    if not deleted:
        raise ApiError(404, f"Conversation {conversation_id!r} not found")
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
