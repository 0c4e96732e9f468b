"""Boot smoke of a rendered project: its own `create_app()` under real uvicorn, against the real
services it chose, with authentication done the way its README says (an admin from the
environment), then health, readiness and one chat turn as JSON and as a stream."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _psql(admin_url: str, sql: str) -> None:
    url = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )


@contextmanager
def own_database(admin_url: str, name: str) -> Iterator[str]:
    """A database of the variant's own on the server of `admin_url`, dropped afterwards."""
    _psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(admin_url, f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(admin_url)
    try:
        yield urllib.parse.urlunsplit(parts._replace(scheme="postgresql+asyncpg", path=f"/{name}"))
    finally:
        _psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _drop_redis_keys(redis_url: str, prefix: str) -> None:
    parts = urllib.parse.urlsplit(redis_url)
    db = parts.path.strip("/") or "0"
    base = ["redis-cli", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 6379)]
    keys = subprocess.run(
        [*base, "-n", db, "--scan", "--pattern", f"{prefix}*"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout.split()
    if keys:
        subprocess.run(
            [*base, "-n", db, "DEL", *keys], capture_output=True, timeout=30, check=False
        )


class Smoke:
    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.base = base
        self.headers = headers

    def request(
        self, method: str, path: str, body: Any = None, *, form: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        headers = dict(self.headers)
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data, headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def expect(self, status: int, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        got, raw = self.request(method, path, body, **kw)
        if got != status:
            raise AssertionError(f"{method} {path}: {got} (wanted {status}): {raw[:500]!r}")
        return json.loads(raw) if raw else None


def _wait_until_up(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the service exited with {process.returncode} at start-up")
        with suppress(OSError), urllib.request.urlopen(base + "/health", timeout=5):  # noqa: S310
            return
        time.sleep(0.2)
    raise AssertionError("the service did not answer /health within 120 s")


def boot_smoke(
    project: Path, answers: dict[str, Any], *, services: dict[str, str], tag: str
) -> str:
    """Runs the smoke; returns the service's log. Raises AssertionError with the log on failure."""
    with tempfile.TemporaryDirectory(prefix=f"aiapi-boot-{tag}-") as scratch:
        return _boot_smoke(project, answers, services=services, tag=tag, work=Path(scratch))


def _boot_smoke(
    project: Path, answers: dict[str, Any], *, services: dict[str, str], tag: str, work: Path
) -> str:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ENVIRONMENT": "production",  # the strictest start-up: strong secrets, no docs
        "LLM_PROVIDER": "fake",
        "FAKE_LLM_DELAY_MS": "0",
        "OUTBOX_DIR": str(work / "outbox"),
        "VECTOR_DB_PATH": str(work / "vectors.db"),
        "QDRANT_PATH": str(work / "qdrant"),
        "CACHE_PREFIX": f"aiapi-smoke-{tag}:",
        "REDIS_URL": services["redis"],
        "LOG_LEVEL": "WARNING",
    }
    headers: dict[str, str] = {}
    admin_email, admin_password = "admin@example.com", secrets.token_urlsafe(24)
    admin_key = secrets.token_urlsafe(32)
    if answers["auth"] == "jwt":
        env |= {
            "JWT_SECRET": secrets.token_urlsafe(48),
            "ADMIN_EMAIL": admin_email,
            "ADMIN_PASSWORD": admin_password,
        }
    elif answers["auth"] == "api_key":
        env["ADMIN_API_KEY"] = admin_key
    log = work / "service.log"
    with ExitStack() as stack:
        if answers["database"] == "postgres":
            server = services["pgvector" if answers["vector_store"] == "pgvector" else "postgres"]
            env["DATABASE_URL"] = stack.enter_context(own_database(server, f"aiapi_smoke_{tag}"))
        else:
            env["DATABASE_URL"] = f"sqlite+aiosqlite:///{work / 'app.db'}"
        if answers["cache"] == "redis":
            stack.callback(_drop_redis_keys, services["redis"], env["CACHE_PREFIX"])
        out = stack.enter_context(log.open("w"))
        command = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app"]
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port), "--no-server-header"],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            _wait_until_up(base, process)
            _exercise(Smoke(base, headers), answers, admin_email, admin_password, admin_key)
        except AssertionError as error:
            raise AssertionError(
                f"{error}\n--- service log ---\n{log.read_text()[-4000:]}"
            ) from None
        finally:
            process.terminate()
            try:
                code = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
        # uvicorn re-raises the SIGTERM it handled, once the lifespan has closed everything.
        if (
            code not in (0, -signal.SIGTERM)
            or "Application shutdown complete" not in log.read_text()
        ):
            raise AssertionError(f"no clean shutdown ({code})\n{log.read_text()[-4000:]}")
    return log.read_text()


def _exercise(
    smoke: Smoke, answers: dict[str, Any], email: str, password: str, admin_key: str
) -> None:
    smoke.expect(200, "GET", "/health")
    smoke.expect(200, "GET", "/ready")
    question = {"messages": [{"role": "user", "content": "Say hello"}]}
    if answers["auth"] != "none":  # unauthenticated turns are refused...
        smoke.expect(401, "POST", "/api/chat", question)
    if answers["auth"] == "jwt":
        token = smoke.expect(
            200, "POST", "/api/auth/token", form={"username": email, "password": password}
        )
        smoke.headers["Authorization"] = f"Bearer {token['access_token']}"
    elif answers["auth"] == "api_key":  # ...a client's key issued by the admin works
        smoke.headers["X-API-Key"] = admin_key
        issued = smoke.expect(201, "POST", "/api/admin/keys", {"name": "smoke"})
        smoke.headers["X-API-Key"] = issued["data"]["key"]
    answer = smoke.expect(200, "POST", "/api/chat", question)
    assert answer["data"]["content"], answer
    status, raw = smoke.request("POST", "/api/chat", {**question, "stream": True})
    events = [line for line in raw.decode().splitlines() if line.startswith("data: ")]
    if status != 200 or not events or events[-1] != "data: [DONE]":
        raise AssertionError(f"stream: {status} {raw[-500:]!r}")
    contents = [json.loads(e[6:]).get("content", "") for e in events[:-1]]
    assert "".join(contents), events
