"""Pure ASGI middleware: request context (ids, security headers, metrics), body size limits
and JSON-only GZip.

Pure ASGI (not `BaseHTTPMiddleware`) so streamed responses pass through unbuffered and the
per-request cost stays in microseconds.
"""

import functools
import gzip
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

import anyio.to_thread
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.client import Network, is_https
from app.core.errors import error_body
from app.core.ids import random_hex
from app.core.logging import request_id_var
from app.core.metrics import Metrics

_SAFE_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
CONTENT_SECURITY_POLICY = (
    b"content-security-policy",
    b"default-src 'self'; frame-ancestors 'none'",
)
# Answers to a request that carried credentials are never kept by a browser or proxy cache.
NO_STORE = (b"cache-control", b"no-store")
CREDENTIAL_HEADERS = (b"authorization", b"x-api-key", b"cookie")
# Over HTTPS, browsers are told to stay on HTTPS (two years, subdomains too).
STRICT_TRANSPORT = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
# FastAPI's interactive docs load Swagger UI / ReDoc from a CDN, which that policy would block.
CSP_EXEMPT_PREFIXES = ("/docs", "/redoc")
_HEADERS_WITH_CSP = [*SECURITY_HEADERS, CONTENT_SECURITY_POLICY]

THREAD_MINIMUM_SIZE = 128 * 1024

logger = logging.getLogger(__name__)


class RequestContextMiddleware:
    """What every request gets on the way in and out, in one pass:

    - an id (the caller's `X-Request-ID` when sane, else a new one) on its log lines and
      its reply;
    - the security headers on its reply (no CSP for the interactive docs; HSTS over HTTPS;
      `Cache-Control: no-store` when the request carried credentials, unless the route set
      its own);
    - a count and latency in /metrics, by route template (bounded labels) and status.

    One middleware rather than three: every ASGI layer costs each request a coroutine and a
    send wrapper, a few microseconds that add up on the chat hot path.
    """

    def __init__(
        self, app: ASGIApp, *, metrics: Metrics, trusted_proxies: list[Network] | None = None
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.trusted_proxies = trusted_proxies or []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        token = request_id_var.set(request_id)
        if scope["type"] == "websocket":
            try:
                await self.app(scope, receive, send)
            finally:
                request_id_var.reset(token)
            return

        stamp = [(b"x-request-id", request_id.encode())]
        docs = scope["path"].startswith(CSP_EXEMPT_PREFIXES)
        stamp += SECURITY_HEADERS if docs else _HEADERS_WITH_CSP
        if any(name in CREDENTIAL_HEADERS for name, _ in scope["headers"]):
            stamp.append(NO_STORE)
        if scope["scheme"] == "https" or (
            self.trusted_proxies and is_https(HTTPConnection(scope), self.trusted_proxies)
        ):
            stamp.append(STRICT_TRANSPORT)
        status = 0

        async def send_stamped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}  # a route's own header wins
                headers.extend([item for item in stamp if item[0] not in present])
            await send(message)

        try:
            await self.app(scope, receive, send_stamped)
        except Exception:
            if status:  # the answer has begun: nothing is left to say but to end the connection
                raise
            # Answered here, not re-raised: the server then keeps the connection open.
            logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            status = 500
            await _send_json(
                send_stamped, 500, error_body(scope["path"], 500, "Internal server error")
            )
        finally:
            request_id_var.reset(token)
            route = scope.get("route")
            self.metrics.observe_http(
                scope["method"],
                getattr(route, "path", None) or "<unmatched>",
                status or 500,
                time.perf_counter() - started,
            )


def _request_id(scope: Scope) -> str:
    incoming = _header(scope, b"x-request-id")
    if incoming is not None and _SAFE_REQUEST_ID.match(incoming):
        return incoming.decode()
    return random_hex(16)


# Room for the multipart framing (boundaries, part headers) around an uploaded file.
MULTIPART_ALLOWANCE = 64 * 1024


@dataclass(frozen=True, slots=True)
class BodyLimit:
    max_bytes: int
    message: str


class BodySizeLimitMiddleware:
    """Answers 413 as soon as a body passes its limit, without reading the rest into memory.

    `paths` gives some routes (file uploads) a limit of their own instead of `max_bytes`.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, paths: Mapping[str, BodyLimit] | None = None
    ) -> None:
        self.app = app
        self.default = BodyLimit(max_bytes, _too_large_message(max_bytes))
        self.paths = dict(paths or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_limit = self.paths.get(scope["path"], self.default) if self.paths else self.default
        limit = body_limit.max_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit():
            if int(declared) > limit:
                await _send_too_large(send, body_limit.message)
                return
            # The server delivers no more than the declared length: nothing left to count.
            await self.app(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException, because FastAPI turns other errors raised while it
                    # reads the body into a generic 400.
                    raise HTTPException(413, body_limit.message)
            return message

        await self.app(scope, limited_receive, send)


def _too_large_message(limit: int) -> str:
    return f"Request body is larger than the limit of {limit // 1024} KB"


async def _send_too_large(send: Send, message: str) -> None:
    await _send_json(send, 413, {"code": 413, "message": message}, close=True)


async def _send_json(
    send: Send, status: int, body: dict[str, object], *, close: bool = False
) -> None:
    encoded = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(encoded)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": encoded})


class JSONGZipMiddleware:
    """GZips JSON answers of at least `minimum_size` bytes, for clients that accept it.

    Everything else passes through untouched: streams above all (a compressor buffers, and an
    SSE event must leave the moment it is produced), and pages, files and small answers,
    for which compression costs more than it saves. JSON answers here are single-body
    responses, so one `gzip.compress` call replaces a streaming compressor per request.
    """

    def __init__(self, app: ASGIApp, *, minimum_size: int = 1024, compresslevel: int = 6) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _accepts_gzip(scope):
            await self.app(scope, receive, send)
            return
        start: Message | None = None

        async def send_compressed(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if _is_uncompressed_json(message):
                    start = message  # held until the body shows whether it is worth it
                    return
            elif start is not None:
                held, start = start, None
                body = message.get("body", b"")
                worth_it = len(body) >= self.minimum_size and not message.get("more_body")
                if message["type"] == "http.response.body" and worth_it:
                    body = await self._compress(body)
                    held["headers"] = [
                        *(item for item in held["headers"] if item[0] != b"content-length"),
                        (b"content-encoding", b"gzip"),
                        (b"content-length", str(len(body)).encode()),
                        (b"vary", b"Accept-Encoding"),
                    ]
                    message = {**message, "body": body}
                await send(held)
            await send(message)

        await self.app(scope, receive, send_compressed)

    async def _compress(self, body: bytes) -> bytes:
        if len(body) < THREAD_MINIMUM_SIZE:
            return gzip.compress(body, self.compresslevel, mtime=0)
        # ~10 ms per MB: a big answer is compressed beside the event loop, not on it.
        return await anyio.to_thread.run_sync(
            functools.partial(gzip.compress, body, self.compresslevel, mtime=0)
        )


def _accepts_gzip(scope: Scope) -> bool:
    accepted = _header(scope, b"accept-encoding")
    return accepted is not None and b"gzip" in accepted


def _header(scope: Scope, name: bytes) -> bytes | None:
    """A request header's raw value (ASGI servers give names in lower case)."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _is_uncompressed_json(start: Message) -> bool:
    json_type = False
    for name, value in start.get("headers", ()):
        if name == b"content-encoding":
            return False
        if name == b"content-type":
            json_type = value.startswith(b"application/json")
    return json_type
