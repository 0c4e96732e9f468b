"""One JSON error envelope everywhere: `{code, message, detail?}` with the right status.

Routes raise `ApiError` (or FastAPI's `HTTPException`); validation errors become 422; anything
unexpected becomes a logged 500 without a traceback in the body. Under `/v1/` the body also
carries OpenAI's `error` object, so the official SDKs show the message.
"""

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

logger = logging.getLogger(__name__)

DATABASE_RETRY_AFTER_SECONDS = 5

OPENAI_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


class ApiError(Exception):
    """An error with a status, a message for humans and optional structured detail."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.detail = detail
        self.headers = dict(headers or {})


def error_body(path: str, status_code: int, message: str, detail: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": status_code, "message": message}
    if detail is not None:
        body["detail"] = jsonable_encoder(detail)
    if path.startswith("/v1/"):
        body["error"] = {
            "message": message,
            "type": OPENAI_ERROR_TYPES.get(status_code, "api_error"),
            "code": status_code,
        }
    return body


def error_response(
    request: Request,
    status_code: int,
    message: str,
    *,
    detail: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = error_body(request.url.path, status_code, message, detail)
    return JSONResponse(body, status_code=status_code, headers=dict(headers or {}))


def _message_of(error: Mapping[str, Any]) -> str:
    """Pydantic's message, except that a length limit on text speaks of characters (a limit
    set on an annotated text type is otherwise reported in "items")."""
    context = error.get("ctx") or {}
    if error.get("type") in ("too_long", "too_short") and isinstance(error.get("input"), str):
        bound = "most" if error["type"] == "too_long" else "least"
        limit = context.get("max_length" if bound == "most" else "min_length")
        return f"String should have at {bound} {limit} characters"
    return str(error.get("msg", ""))


def validation_detail(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Validation errors as the envelope's `detail`: where (`loc`), what (`msg`), `type`;
    never the input itself, which may be anything (unprintable, huge, a secret)."""
    return [
        {"loc": list(error.get("loc", ())), "msg": _message_of(error), "type": error.get("type")}
        for error in errors
    ]


def validation_message(detail: Sequence[Mapping[str, Any]]) -> str:
    """`messages.0.content: <what is wrong>`: the first error, named by its field."""
    first = detail[0] if detail else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(part) for part in first["loc"] if part != "body")
    return f"{where}: {first['msg']}" if where else str(first["msg"])


async def _handle_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(
        request, exc.status_code, exc.message, detail=exc.detail, headers=exc.headers
    )


async def _handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail
    message = detail if isinstance(detail, str) else HTTPStatus(exc.status_code).phrase
    extra = None if isinstance(detail, str) else detail
    return error_response(request, exc.status_code, message, detail=extra, headers=exc.headers)


async def _handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = validation_detail(exc.errors())
    return error_response(request, 422, validation_message(detail), detail=detail)


async def _handle_database_error(request: Request, exc: Exception) -> JSONResponse:
    """The database did not answer (down, restarting, locked, out of connections): a 503 the
    client can retry, not a 500. The cause goes to the log, not to the client."""
    if not is_database_unavailable(exc):
        return await _handle_unexpected(request, exc)
    logger.warning(
        "database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__
    )
    return error_response(
        request,
        503,
        "The database is unavailable; retry shortly",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


# SQLSTATE classes of a server that is there but cannot serve now: connection exceptions,
# insufficient resources, objects not in the required state (a database not accepting
# connections), operator intervention (shutting down, starting up).
UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "55", "57")


def is_database_unavailable(exc: BaseException) -> bool:
    """A failure worth retrying later: the database is down, unreachable, restarting, locked
    or out of connections; not a mistake in what was sent."""
    if isinstance(exc, OperationalError | InterfaceError | SQLAlchemyTimeoutError):
        return True
    if isinstance(exc, ConnectionError | TimeoutError):  # a refused or timed-out connect
        return True
    if not isinstance(exc, DBAPIError):
        return False
    sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
    return exc.connection_invalidated or sqlstate.startswith(UNAVAILABLE_SQLSTATE_CLASSES)


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "Internal server error")


def install_error_handlers(app: FastAPI) -> None:
    """Unexpected errors are answered by `RequestContextMiddleware`, which keeps the
    connection usable (Starlette's own last-resort handler closes it)."""
    app.add_exception_handler(ApiError, _handle_api_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    for failure in (DBAPIError, SQLAlchemyTimeoutError, ConnectionError, TimeoutError):
        app.add_exception_handler(failure, _handle_database_error)
