"""Which stored messages go back to the model: system prompts always, then the newest turns
that fit the turn and token budgets."""

from collections.abc import Sequence

from app.llm.base import Message
from app.llm.tokens import estimate_tokens


def trim_history(
    history: Sequence[Message], *, max_messages: int, max_tokens: int
) -> list[Message]:
    if not history:  # a new conversation, the common case
        return []
    pinned = [m for m in history if m.role == "system"]
    budget = max_tokens - sum(estimate_tokens(m.content) for m in pinned)
    kept: list[Message] = []
    for message in reversed([m for m in history if m.role != "system"]):
        cost = estimate_tokens(message.content)
        if len(kept) >= max_messages or cost > budget:
            break
        kept.append(message)
        budget -= cost
    # Start the window on a user message: never on an assistant reply whose question was cut
    # off, nor on a tool result whose call was.
    while kept and kept[-1].role in ("assistant", "tool"):
        kept.pop()
    return [*pinned, *reversed(kept)]
