"""The limits every chat request meets, whichever transport it came in on."""

from app.chat.schemas import ChatRequest, invalid_field
from app.chat.tool_rules import check_tool_use
from app.chat.turn import Endpoint
from app.settings import Settings


def check_request(settings: Settings, request: ChatRequest, endpoint: Endpoint) -> str:
    """Refuses what the settings do not allow (422 naming the field); returns the model."""
    if len(request.messages) > settings.chat_max_messages:
        raise invalid_field(("messages",), f"at most {settings.chat_max_messages} messages")
    for index, message in enumerate(request.messages):
        if message.role == "user" and not (message.content or "").strip():
            raise invalid_field(
                ("messages", index, "content"), "must not be empty or only whitespace"
            )
        size = len(message.content or "") + sum(len(c.arguments) for c in message.tool_calls or ())
        if size > settings.chat_max_message_chars:
            raise invalid_field(
                ("messages", index, "content"),
                f"at most {settings.chat_max_message_chars} characters",
            )
    if request.instructions and len(request.instructions) > settings.chat_max_message_chars:
        raise invalid_field(
            ("instructions",), f"at most {settings.chat_max_message_chars} characters"
        )
    check_tool_use(request)
    if request.max_tokens is not None and request.max_tokens > settings.chat_max_output_tokens:
        raise invalid_field(("max_tokens",), f"at most {settings.chat_max_output_tokens}")
    for index, message in enumerate(request.messages):
        if message.role == "assistant" and endpoint.conversational and endpoint.owns_system_prompt:
            raise invalid_field(
                ("messages", index, "role"),
                "assistant turns come from the stored conversation; send the user's messages",
            )
        if message.role == "system" and not _client_system_allowed(settings, endpoint):
            raise invalid_field(
                ("messages", index, "role"),
                "the service sets the system prompt (CHAT_SYSTEM_PROMPT)",
            )
    if request.instructions and not _client_system_allowed(settings, endpoint):
        raise invalid_field(
            ("instructions",), "the service sets the system prompt (CHAT_SYSTEM_PROMPT)"
        )
    if endpoint.conversational and request.messages[-1].role not in ("user", "tool"):
        raise invalid_field(
            ("messages",), "the last message must come from the user (or be a tool result)"
        )
    model = request.model or settings.llm_model
    if not settings.offers_model(model):
        choices = ", ".join(settings.available_models)
        raise invalid_field(("model",), f"{model!r} is not available; choose one of: {choices}")
    return model


def _client_system_allowed(settings: Settings, endpoint: Endpoint) -> bool:
    return not endpoint.owns_system_prompt or settings.chat_allow_system_messages
