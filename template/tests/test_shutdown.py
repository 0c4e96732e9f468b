"""A graceful stop, as a real server meets SIGTERM: uvicorn stops accepting connections, a
stream in flight finishes within SHUTDOWN_GRACE_SECONDS with its `[DONE]`, and the turn it
answered (messages and usage) is in the database after the process has exited."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import anyio.to_thread
import httpx2
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from app.settings import Settings
from tests.conftest import connected
from tests.servers import LOCAL_TLS

GRACE_SECONDS = 15
WORD_DELAY_MS = 150  # the fake model's answer takes a few seconds to stream

pytestmark = pytest.mark.anyio


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment_of(settings: Settings) -> dict[str, str]:
    """The test's settings as the environment variables a server process reads."""
    env = {key: value for key, value in os.environ.items() if not key.isupper()}
    env["PATH"] = os.environ.get("PATH", "")
    for name in settings.model_fields_set:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[name.upper()] = value if isinstance(value, str) else json.dumps(value)
    env["FAKE_LLM_DELAY_MS"] = str(WORD_DELAY_MS)
    env["SHUTDOWN_GRACE_SECONDS"] = str(GRACE_SECONDS)
    return env


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


async def stored(database_url: str, conversation_id: str) -> tuple[list[str], int]:
    async with connected(database_url) as connection:
        roles = await connection.scalars(
            text("SELECT role FROM messages WHERE conversation_id = :id ORDER BY id"),
            {"id": conversation_id},
        )
        usage = await connection.scalar(text("SELECT count(*) FROM usage_records"))
        return list(roles), int(usage or 0)


async def test_sigterm_lets_a_stream_finish_and_keeps_its_turn(
    settings: Settings, auth_headers: dict[str, str], database_url: str
) -> None:
    conversation_id = await anyio.to_thread.run_sync(
        stream_through_a_shutdown, environment_of(settings), auth_headers
    )
    roles, usage_rows = await stored(database_url, conversation_id)
    assert roles == ["user", "assistant"]
    assert usage_rows == 1


def stream_through_a_shutdown(env: dict[str, str], headers: dict[str, str]) -> str:
    """Starts a server, streams a chat answer, sends SIGTERM mid-stream; returns the
    conversation's id once the server has exited."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app"),
        *("--host", "127.0.0.1", "--port", str(port), "--no-server-header"),
        *("--timeout-graceful-shutdown", env["SHUTDOWN_GRACE_SECONDS"]),
    ]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while refuses_connections(port):
            assert server.poll() is None, server.communicate()[0]
            assert time.monotonic() < deadline, "the server did not start within 60 s"
            time.sleep(0.1)
        body = {"messages": [{"role": "user", "content": "hi"}], "stream": True}
        with (
            httpx2.Client(base_url=base, headers=headers, timeout=30, verify=LOCAL_TLS) as client,
            client.stream("POST", "/api/chat", json=body) as response,
        ):
            assert response.status_code == 200
            conversation_id = response.headers["x-conversation-id"]
            lines = response.iter_lines()
            events = [next(line for line in lines if line.startswith("data: "))]
            stopping = time.monotonic()
            server.send_signal(signal.SIGTERM)
            # New connections are refused at once, while the stream goes on.
            while not refuses_connections(port):
                assert time.monotonic() - stopping < 5, "still accepting 5 s after SIGTERM"
                time.sleep(0.05)
            events += [line for line in lines if line.startswith("data: ")]
        assert events[-1] == "data: [DONE]", events
        assert len(events) > 3, events  # the answer came word by word, after the signal
        output, _ = server.communicate(timeout=GRACE_SECONDS + 15)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode in {0, -signal.SIGTERM}, output
    assert "Application shutdown complete" in output, output
    return conversation_id
