"""`/v1/chat/completions` and `/v1/models`: point any OpenAI SDK (or LangChain, or the Vercel
AI SDK) at this service with `base_url=http://host/v1` and it works unchanged. (The Responses
API, `/v1/responses`, is `responses.py`.)"""

import time

from fastapi import APIRouter, Request, Response

from app.auth.dependencies import OWNER_ERRORS, CurrentOwner
from app.chat.dependencies import chat_service
from app.chat.schemas import TURN_ERRORS, CitationPublic, guard_headers
from app.chat.turn import OPENAI
from app.core.ids import random_hex
from app.core.sse import EVENT_STREAM, EventStreamResponse
from app.openai_api.schemas import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionRequest,
    Choice,
    CompletionUsage,
    ModelCard,
    ModelList,
    ResponseToolCall,
)
from app.openai_api.stream import completion_chunks

router = APIRouter(prefix="/v1", tags=["openai"], responses=OWNER_ERRORS)


@router.get("/models")
async def list_models(_owner: CurrentOwner, request: Request) -> ModelList:
    service = chat_service(request)
    return ModelList(
        data=[
            ModelCard(id=model, owned_by=service.llm.provider)
            for model in service.settings.available_models
        ]
    )


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={200: EVENT_STREAM, **TURN_ERRORS},
)
async def create_chat_completion(
    body: ChatCompletionRequest, owner: CurrentOwner, request: Request, response: Response
) -> ChatCompletion | EventStreamResponse:
    service = chat_service(request)
    prepared = await service.prepare(owner, body.to_chat_request(), endpoint=OPENAI)
    completion_id = f"chatcmpl-{random_hex(16)}"
    if body.stream:
        stream = await service.open_stream(prepared)
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return EventStreamResponse(
            completion_chunks(stream, completion_id=completion_id, include_usage=include_usage),
            ping_seconds=service.settings.sse_ping_seconds,
            headers=guard_headers(prepared),
        )
    result = await service.complete(prepared)
    response.headers.update(guard_headers(prepared))
    return ChatCompletion(
        id=completion_id,
        created=int(time.time()),
        model=prepared.model,
        choices=[
            Choice(
                message=AssistantMessage(
                    # As OpenAI answers: no text beside tool calls is null, not "".
                    content=result.content or (None if result.tool_calls else ""),
                    tool_calls=[ResponseToolCall.of(c) for c in result.tool_calls] or None,
                ),
                finish_reason=result.finish_reason,
            )
        ],
        usage=CompletionUsage(
            prompt_tokens=result.usage.prompt_tokens,
            completion_tokens=result.usage.completion_tokens,
            total_tokens=result.usage.total_tokens,
        ),
        citations=CitationPublic.all_of(prepared.citations),
    )
