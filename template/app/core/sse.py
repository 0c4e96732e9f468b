"""Server-sent events responses: sse-starlette, minus a per-event cost.

sse-starlette wraps every send in an anyio cancel scope to enforce its optional send timeout;
with no timeout set that scope does nothing but costs a few microseconds per token.
"""

from sse_starlette import EventSourceResponse
from starlette.types import Message, Send


class SSEResponse(EventSourceResponse):
    async def _send_with_timeout(self, send: Send, message: Message) -> None:
        if self.send_timeout is None:
            await send(message)
            return
        await super()._send_with_timeout(send, message)
