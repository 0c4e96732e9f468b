"""`/api/chat` (JSON or SSE), `/api/chat/batch` and `/api/conversations`."""

from typing import Annotated

import anyio
from fastapi import APIRouter, FastAPI, Query, Request, Response, status

from app.auth.dependencies import CurrentOwner
from app.chat import store
from app.chat.dependencies import chat_service
from app.chat.schemas import (
    BatchItem,
    BatchReply,
    BatchRequest,
    ChatReply,
    ChatRequest,
    ConversationPublic,
    ConversationsPublic,
    ConversationSummary,
    MessagePublic,
)
from app.chat.service import usage_public
from app.chat.sse import chat_events
from app.core.envelope import Envelope, ok
from app.core.errors import ApiError
from app.core.sse import SSEResponse
from app.dependencies import SessionDep
from app.llm.base import LLMError, Message
from app.settings import Settings

router = APIRouter(prefix="/api", tags=["chat"])

SSE_RESPONSE = {"content": {"text/event-stream": {"example": 'data: {"content": "Hi"}\n\n'}}}


def sse_response(
    events: object, settings: Settings, headers: dict[str, str] | None = None
) -> SSEResponse:
    """No caching, no proxy buffering, a keep-alive comment while the model is thinking."""
    return SSEResponse(
        events,  # type: ignore[arg-type]
        ping=settings.sse_ping_seconds,
        sep="\n",
        headers={"Cache-Control": "no-cache", **(headers or {})},
    )


def add_routes(app: FastAPI) -> None:
    """The chat routes. `POST /api/chat`, the hot path, goes on the app itself: FastAPI
    (0.137 and later) resolves an included router's routes on every request, ~9 us of a
    ~170 us chat turn."""
    app.add_api_route(
        "/api/chat",
        chat,
        methods=["POST"],
        response_model=Envelope[ChatReply],
        responses={200: SSE_RESPONSE},
        summary="Chat with the model (JSON, or a stream of SSE events with stream=true)",
        tags=["chat"],
    )
    app.include_router(router)


async def chat(body: ChatRequest, owner: CurrentOwner, request: Request) -> Response:
    service = chat_service(request)
    if body.use_knowledge:
        raise ApiError(400, "use_knowledge: this service has no knowledge base configured")
    prepared = await service.prepare(
        owner=owner,
        messages=body.messages,
        model=body.model,
        temperature=body.temperature,
        max_tokens=body.max_tokens,
        conversation_id=body.conversation_id,
    )
    if not body.stream:
        result = await service.complete(prepared)
        # Serialized here, once: the envelope is already valid, no second validation pass.
        envelope = ok(service.reply(prepared, result))
        return Response(envelope.model_dump_json(), media_type="application/json")
    stream = await service.open_stream(prepared)
    return sse_response(
        chat_events(stream.deltas()),
        service.settings,
        headers={"X-Conversation-Id": prepared.conversation_id or ""},
    )


@router.post("/chat/batch", summary="Several independent prompts, answered concurrently")
async def chat_batch(
    body: BatchRequest, owner: CurrentOwner, request: Request
) -> Envelope[BatchReply]:
    service = chat_service(request)
    settings = service.settings
    if len(body.prompts) > settings.chat_batch_max_prompts:
        raise ApiError(422, f"prompts: at most {settings.chat_batch_max_prompts} per batch")
    prepared_calls = [
        service.prepare_stateless(
            owner=owner,
            endpoint="chat.batch",
            messages=[
                *([Message("system", body.system)] if body.system else []),
                Message("user", prompt),
            ],
            model=body.model,
            temperature=body.temperature,
            max_tokens=body.max_tokens,
        )
        for prompt in body.prompts
    ]
    items: list[BatchItem] = [BatchItem(index=i) for i in range(len(prepared_calls))]
    limiter = anyio.CapacityLimiter(settings.chat_batch_concurrency)

    async def run(index: int) -> None:
        async with limiter:
            try:
                result = await service.complete(prepared_calls[index])
            except LLMError as exc:
                items[index] = BatchItem(index=index, error=exc.message)
                return
        items[index] = BatchItem(
            index=index, content=result.content, usage=usage_public(result.usage, result.cost_usd)
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
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Envelope[ConversationsPublic]:
    rows, count = await store.list_owned(session, owner_id=owner.id, limit=limit, offset=offset)
    items = [ConversationSummary.model_validate(row, from_attributes=True) for row in rows]
    return ok(ConversationsPublic(items=items, count=count))


@router.get("/conversations/{conversation_id}", tags=["conversations"])
async def get_conversation(
    conversation_id: str, owner: CurrentOwner, session: SessionDep
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
                MessagePublic(role=m.role, content=m.content, created_at=m.created_at)
                for m in found.messages
            ],
        )
    )


@router.delete(
    "/conversations/{conversation_id}",
    tags=["conversations"],
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_conversation(
    conversation_id: str, owner: CurrentOwner, session: SessionDep
) -> Response:
    deleted = await store.delete_owned(session, owner_id=owner.id, conversation_id=conversation_id)
    if not deleted:
        raise ApiError(404, f"Conversation {conversation_id!r} not found")
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
