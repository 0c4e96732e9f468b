"""Real HTTP servers on 127.0.0.1 for tests that need real sockets: streaming, disconnects,
WebSockets as a browser meets them, and the stand-in model provider."""

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT_SECONDS = 15.0
# One TLS context for every client of these servers: a client builds its own otherwise, reading
# the CA bundle each time (~22 ms of CPU), although it speaks plain HTTP to 127.0.0.1.
LOCAL_TLS = ssl.create_default_context()


def local_client(base_url: str, **options: Any) -> httpx2.AsyncClient:
    """An HTTP client for a server of these tests."""
    return httpx2.AsyncClient(base_url=base_url, verify=LOCAL_TLS, **options)


@contextmanager
def serve(app: ASGIApp, *, lifespan: bool = True) -> Iterator[str]:
    """Runs `app` under uvicorn in a background thread; yields its base URL."""
    # Named TCP, so that asyncio's own loop (where uvloop is missing) turns Nagle's algorithm
    # off on each connection as uvloop does: left on, each small reply waits ~40 ms for an ACK
    # (the schema test took 100 s instead of 14).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="on" if lifespan else "off",
        ws="websockets-sansio",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
