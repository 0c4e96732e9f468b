"""Start-up failures an operator can fix, reported as one line instead of a traceback.

Whatever opens a resource raises `StartupError("what is wrong: what to do")`. While the app
starts (its lifespan), `StartupErrorMiddleware` hands that line to the server, which logs it
and exits non-zero; settings that do not validate end the process the same way before the
server starts (`settings_or_exit`). Tests see a plain exception they can assert on.
"""

import logging
from collections.abc import Callable
from typing import TypeVar

from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The server's own log (uvicorn's), so the line reads like the server's other messages.
SERVER_LOGGER = "uvicorn.error"

T = TypeVar("T")


class StartupError(Exception):
    """Why the service cannot start, and what to do about it, in one line."""


class StartupErrorMiddleware:
    """Reports a `StartupError` raised in the lifespan as the one-line start-up failure the
    ASGI server prints (uvicorn: `ERROR: <line>`, then exit code 3). Any other error keeps
    its traceback: that one is a bug, not a setting."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def send_or_hold(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                held.append(message)  # its text is a traceback: known only after the raise
                return
            await send(message)

        try:
            await self.app(scope, receive, send_or_hold)
        except BaseException as exc:
            reason = startup_error_in(exc)
            if reason is not None:
                await send({"type": "lifespan.startup.failed", "message": str(reason)})
                raise reason from None
            for message in held:
                await send(message)
            raise


def startup_error_in(exc: BaseException) -> StartupError | None:
    """`exc` itself, or the first `StartupError` inside it when it was raised in a task group
    (which wraps what its tasks raise in an exception group)."""
    if isinstance(exc, StartupError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = startup_error_in(inner)
            if found is not None:
                return found
    return None


def settings_error_line(error: ValidationError) -> str:
    """`LOG_LEVEL: Input should be ...` for each invalid setting, on one line."""
    problems = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        name = "_".join(str(part) for part in item["loc"]).upper()
        problems.append(f"{name}: {message}" if name else message)
    return "Invalid settings: " + "; ".join(problems)


def settings_or_exit(load: Callable[[], T]) -> T:
    """`load()` (building the settings from the environment) as the process starts: a bad
    setting ends it with one line on the server's log, before any traceback could."""
    try:
        return load()
    except ValidationError as exc:
        line = settings_error_line(exc)
    except StartupError as exc:
        line = str(exc)
    logging.getLogger(SERVER_LOGGER).error(line)
    raise SystemExit(1)
