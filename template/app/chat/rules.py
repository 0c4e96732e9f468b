"""The limits every chat request meets, whichever transport it came in on."""

from app.chat.schemas import ChatRequest, invalid_field
from app.chat.turn import Endpoint
from app.settings import Settings


def check_request(settings: Settings, request: ChatRequest, endpoint: Endpoint) -> str:
    """Refuses what the settings do not allow (422 naming the field); returns the model."""
    if len(request.messages) > settings.chat_max_messages:
        raise invalid_field(("messages",), f"at most {settings.chat_max_messages} messages")
    for index, message in enumerate(request.messages):
        if len(message.content) > settings.chat_max_message_chars:
            raise invalid_field(
                ("messages", index, "content"),
                f"at most {settings.chat_max_message_chars} characters",
            )
    if request.max_tokens is not None and request.max_tokens > settings.chat_max_output_tokens:
        raise invalid_field(("max_tokens",), f"at most {settings.chat_max_output_tokens}")
    for index, message in enumerate(request.messages):
        if message.role == "assistant" and endpoint.conversational:
            raise invalid_field(
                ("messages", index, "role"),
                "assistant turns come from the stored conversation; send the user's messages",
            )
        if (
            message.role == "system"
            and endpoint.owns_system_prompt
            and not settings.chat_allow_system_messages
        ):
            raise invalid_field(
                ("messages", index, "role"),
                "the service sets the system prompt (CHAT_SYSTEM_PROMPT)",
            )
    if endpoint.conversational and request.messages[-1].role != "user":
        raise invalid_field(("messages",), "the last message must come from the user")
    model = request.model or settings.llm_model
    if not settings.offers_model(model):
        choices = ", ".join(settings.available_models)
        raise invalid_field(("model",), f"{model!r} is not available; choose one of: {choices}")
    return model
