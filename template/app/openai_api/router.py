"""`/v1/chat/completions` and `/v1/models`: point any OpenAI SDK (or LangChain, or the Vercel
AI SDK) at this service with `base_url=http://host/v1` and it works unchanged."""

import time

from fastapi import APIRouter, FastAPI, Request

from app.auth.dependencies import CurrentOwner
from app.chat.dependencies import chat_service
from app.chat.router import sse_response
from app.core.randomness import random_hex
from app.core.sse import SSEResponse
from app.llm.base import Message, Role
from app.openai_api.schemas import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionRequest,
    Choice,
    CompletionUsage,
    ModelCard,
    ModelList,
)
from app.openai_api.stream import completion_chunks

router = APIRouter(prefix="/v1", tags=["openai"])

DEFAULT_TEMPERATURE = 1.0  # OpenAI's own default


@router.get("/models")
async def list_models(_owner: CurrentOwner, request: Request) -> ModelList:
    service = chat_service(request)
    return ModelList(
        data=[
            ModelCard(id=model, owned_by=service.llm.provider)
            for model in service.settings.available_models
        ]
    )


def add_routes(app: FastAPI) -> None:
    """The OpenAI-compatible routes; `POST /v1/chat/completions` on the app itself, as
    `/api/chat` (see `app.chat.router.add_routes`)."""
    app.add_api_route(
        "/v1/chat/completions",
        create_chat_completion,
        methods=["POST"],
        response_model=ChatCompletion,
        tags=["openai"],
    )
    app.include_router(router)


async def create_chat_completion(
    body: ChatCompletionRequest, owner: CurrentOwner, request: Request
) -> ChatCompletion | SSEResponse:
    service = chat_service(request)
    messages = [Message(role=_role(m.role), content=m.text()) for m in body.messages]
    prepared = service.prepare_stateless(
        owner=owner,
        endpoint="v1.chat.completions",
        messages=messages,
        model=body.model,
        temperature=DEFAULT_TEMPERATURE if body.temperature is None else body.temperature,
        max_tokens=body.max_completion_tokens or body.max_tokens,
    )
    completion_id = f"chatcmpl-{random_hex(16)}"
    if body.stream:
        stream = await service.open_stream(prepared)
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return sse_response(
            completion_chunks(stream, completion_id=completion_id, include_usage=include_usage),
            service.settings,
        )
    result = await service.complete(prepared)
    return ChatCompletion(
        id=completion_id,
        created=int(time.time()),
        model=prepared.completion.model,
        choices=[
            Choice(
                message=AssistantMessage(content=result.content),
                finish_reason=result.finish_reason,
            )
        ],
        usage=CompletionUsage(
            prompt_tokens=result.usage.prompt_tokens,
            completion_tokens=result.usage.completion_tokens,
            total_tokens=result.usage.total_tokens,
        ),
    )


def _role(role: str) -> Role:
    if role in ("system", "developer"):
        return "system"
    return "assistant" if role == "assistant" else "user"
