"""Service speed: generated projects under uvicorn against bare Starlette/FastAPI floors.

Each app runs under uvicorn in its own process (one worker, the same flags), the load comes
from this process over loopback, every loop is bounded in count and time, and the fake model
answers (no network):

- bench/chat.py's three ratios: SSE events/s of one long stream, time to first byte, and
  non-stream requests/s under keep-alive load, against a minimal Starlette SSE endpoint and a
  bare FastAPI endpoint;
- memory per open stream: N streams held open at once (the model sends a token a second),
  the server's RSS delta over N, against the same number of streams from a Starlette endpoint
  that sleeps as long between the same events;
- latency at a fixed request rate (open loop: a request's latency counts from when it was due,
  so a slow answer delays the ones queued behind it), p50 and p99 of non-stream `/api/chat`,
  against the bare FastAPI endpoint at the same rate, with no layers, with jwt auth, with
  api_key auth and with the Redis answer cache (db 9; temperature 0, so answers come from it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path

import chat
from common import REPO, Row, skipped
from server import Served, served

SECTION = "service"
SLOW_FLOOR = """

import asyncio


@app.post("/sse-slow")
async def sse_slow(request: Request) -> StreamingResponse:
    text = (await request.json())["messages"][-1]["content"]

    async def events():
        for piece in WORDS.findall(text):
            yield b"data: " + json.dumps({"content": piece}).encode() + b"\\n\\n"
            await asyncio.sleep(1.0)
        yield b"data: [DONE]\\n\\n"

    return StreamingResponse(events(), media_type="text/event-stream")
"""
MINIMAL = {"auth": "none", "cache": "none", "vector_store": "none", "docker": False}
LAYERS = {
    "no layers": MINIMAL,
    "jwt auth": {**MINIMAL, "auth": "jwt"},
    "api_key auth": {**MINIMAL, "auth": "api_key"},
    "Redis answer cache": {**MINIMAL, "cache": "redis"},
}
ADMIN_EMAIL = "bench@example.com"
ADMIN_PASSWORD = secrets.token_urlsafe(18)
ADMIN_KEY = secrets.token_urlsafe(32)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")


def request_bytes(
    port: int, path: str, body: Mapping[str, object], headers: dict[str, str]
) -> bytes:
    payload = json.dumps(body).encode()
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"{extra}Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def hold_streams(server: Served, path: str, count: int, before_kb: int) -> float:
    """Open `count` streams at once, wait until each has its first event, read the server's
    RSS, close them. Returns KB per open stream."""
    body: dict[str, object] = {
        "messages": [{"role": "user", "content": "one two three four five six"}],
        "stream": True,
    }
    request = request_bytes(server.port, path, body, {})
    writers: list[asyncio.StreamWriter] = []

    async def one() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writers.append(writer)
        writer.write(request)
        await chat.read_head(reader)
        await reader.readuntil(b"\n\n")  # the first event: the stream is open and working

    try:
        for start in range(0, count, 100):  # in batches, so the backlog never overflows
            await asyncio.wait_for(
                asyncio.gather(*(one() for _ in range(min(100, count - start)))), 60
            )
        await asyncio.sleep(0.2)
        return (server.rss_kb() - before_kb) / count
    finally:
        for writer in writers:
            writer.close()
        await asyncio.sleep(0.5)


async def memory_per_stream(server: Served, path: str, count: int) -> float:
    await hold_streams(server, path, 10, 0)  # warm: lazy imports, first rows, buffers
    await asyncio.sleep(1.0)
    return await hold_streams(server, path, count, server.rss_kb())


async def fixed_rate(
    port: int, body: Mapping[str, object], headers: dict[str, str], rate: float, seconds: float
) -> list[float]:
    """Open-loop load: request i is due at start + i / rate, whatever came before it."""
    request = request_bytes(port, "/api/chat", body, headers)
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(32):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    latencies: list[float] = []

    async def one(due: float) -> None:
        reader, writer = await pool.get()
        try:
            writer.write(request)
            head = await chat.read_head(reader)
            await reader.readexactly(int(head["content-length"]))
        finally:
            pool.put_nowait((reader, writer))
        latencies.append((time.perf_counter() - due) * 1000)

    start = time.perf_counter() + 0.05
    tasks = []
    for index in range(int(rate * seconds)):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.wait_for(asyncio.gather(*tasks), seconds * 5 + 30)
    while not pool.empty():
        pool.get_nowait()[1].close()
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def render(data: dict[str, object], destination: Path) -> Path:
    import copier

    copier.run_copy(
        str(REPO),
        destination,
        data={"project_name": "bench", **data},
        defaults=True,
        unsafe=True,
        quiet=True,
        vcs_ref="HEAD",
    )
    return destination


def service_env(work: Path, name: str) -> dict[str, str]:
    return {
        "LLM_PROVIDER": "fake",
        "FAKE_LLM_DELAY_MS": "0",
        "DATABASE_URL": f"sqlite+aiosqlite:///{work / f'{name}.db'}",
        "CHAT_MAX_MESSAGE_CHARS": "10000000",
        "MAX_REQUEST_KB": "100000",
        "LOG_LEVEL": "WARNING",
        "ENVIRONMENT": "development",
        # One client makes all the load: limits would refuse it (they are not measured here).
        "RATE_LIMIT_PER_MINUTE": "0",
        "TOKEN_BUDGET_PER_DAY": "0",
        "LLM_MAX_CONCURRENCY": "5000",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ADMIN_API_KEY": ADMIN_KEY,
        "REDIS_URL": REDIS_URL,
    }


async def auth_headers(layer: str, port: int) -> dict[str, str]:
    if layer == "api_key auth":
        return {"X-API-Key": ADMIN_KEY}
    if layer != "jwt auth":
        return {}
    form = f"username={ADMIN_EMAIL.replace('@', '%40')}&password={ADMIN_PASSWORD}".encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(form)}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode()
        + form
    )
    head = await chat.read_head(reader)
    answer = json.loads(await reader.readexactly(int(head["content-length"])))
    writer.close()
    token = answer.get("access_token") or answer.get("data", {}).get("access_token")
    return {"Authorization": f"Bearer {token}"}


def chat_rows(project: Path, work: Path, quick: bool) -> list[Row]:
    args = argparse.Namespace(
        events=2_000 if quick else 20_000,
        rounds=1 if quick else 3,
        ttfb_samples=5 if quick else 200,
        load_rounds=1 if quick else 6,
        seconds=0.3 if quick else 2.0,
        connections=4 if quick else 16,
    )
    result = asyncio.run(chat.measure(args, project, work))
    sse = result["sse_ours"] / result["sse_base"]
    added = result["ttfb_ours_ms"] - result["ttfb_base_ms"]
    return [
        Row(
            SECTION,
            "SSE events/s of one long `/api/chat` stream vs a minimal Starlette SSE endpoint",
            f"{result['sse_ours']:,.0f}/s",
            f"{result['sse_base']:,.0f}/s",
            sse,
            ">= 0.80x",
            sse >= 0.8,
        ),
        Row(
            SECTION,
            "time to first byte of a stream, median",
            f"{result['ttfb_ours_ms']:.2f} ms",
            f"{result['ttfb_base_ms']:.2f} ms",
            result["ttfb_ours_ms"] / result["ttfb_base_ms"],
            "< 5 ms added",
            added < 5,
            f"{added:+.2f} ms",
        ),
        Row(
            SECTION,
            "non-stream `/api/chat` requests/s vs a bare FastAPI endpoint",
            f"{result['rps_ours']:,.0f}/s",
            f"{result['rps_base']:,.0f}/s",
            result["rps_ratio"],
            ">= 0.50x",
            result["rps_ratio"] >= 0.5,
            f"rounds {result['rps_ratio_low']:.2f}-{result['rps_ratio_high']:.2f}; each turn "
            f"stored in SQLite first; {result['rps_ours'] / result['rps_persisting']:.2f}x an "
            "endpoint storing the same rows with one ORM commit",
        ),
    ]


def memory_rows(project: Path, work: Path, counts: list[int]) -> list[Row]:
    rows = []
    env = {**service_env(work, "memory"), "FAKE_LLM_DELAY_MS": "1000", "SSE_PING_SECONDS": "0"}
    for count in counts:
        with served("baseline:app", work, {}, factory=False) as floor:
            theirs = asyncio.run(memory_per_stream(floor, "/sse-slow", count))
        with served("app.main:create_app", project, env, factory=True) as ours:
            mine = asyncio.run(memory_per_stream(ours, "/api/chat", count))
        ratio = mine / theirs if theirs > 0 else float("inf")
        rows.append(
            Row(
                SECTION,
                f"memory per open stream, {count:,} at once (server RSS delta / streams)",
                f"{mine:.1f} KB",
                f"{theirs:.1f} KB",
                ratio,
                "<= 3.00x",
                ratio <= 3.0,
            )
        )
    return rows


async def floor_then_ours(
    floor: int,
    ours: int,
    body: Mapping[str, object],
    headers: dict[str, str],
    rate: float,
    seconds: float,
) -> tuple[list[float], list[float]]:
    """(ours, floor) latencies, both warmed first."""
    await fixed_rate(floor, body, {}, rate, 0.5)
    await fixed_rate(ours, body, headers, rate, 0.5)
    theirs = await fixed_rate(floor, body, {}, rate, seconds)
    mine = await fixed_rate(ours, body, headers, rate, seconds)
    return mine, theirs


def latency_rows(projects: dict[str, Path], work: Path, rate: float, seconds: float) -> list[Row]:
    rows = []
    plain = {"messages": [{"role": "user", "content": "hello there"}]}
    cached = {**plain, "temperature": 0}
    for layer, project in projects.items():
        body = cached if layer == "Redis answer cache" else plain
        env = service_env(work, layer.replace(" ", "-"))
        with (
            served("baseline:app", work, {}, factory=False) as floor,
            served("app.main:create_app", project, env, factory=True) as ours,
        ):
            headers = asyncio.run(auth_headers(layer, ours.port))

            mine, theirs = asyncio.run(
                floor_then_ours(floor.port, ours.port, body, headers, rate, seconds)
            )
        for share, name, target in ((0.5, "p50", 2.0), (0.99, "p99", 3.0)):
            ours_ms, floor_ms = percentile(mine, share), percentile(theirs, share)
            rows.append(
                Row(
                    SECTION,
                    f"`/api/chat` {name} latency at {rate:g} req/s, {layer}",
                    f"{ours_ms:.2f} ms",
                    f"{floor_ms:.2f} ms",
                    ours_ms / floor_ms,
                    f"<= {target:.2f}x",
                    ours_ms / floor_ms <= target,
                    f"{len(mine)} requests" if name == "p50" else "",
                )
            )
    return rows


def run(work: Path, *, quick: bool) -> list[Row]:
    layers = ["no layers"] if quick else list(LAYERS)
    projects = {layer: render(LAYERS[layer], work / layer.replace(" ", "-")) for layer in layers}
    minimal = projects["no layers"]
    rows = chat_rows(minimal, work, quick)
    (work / "baseline.py").write_text(chat.BASELINE_APP + SLOW_FLOOR)  # after chat's own
    rows += memory_rows(minimal, work, [20] if quick else [100, 1_000])
    rows += latency_rows(projects, work, 50 if quick else 100, 1.0 if quick else 8.0)
    if quick:
        rows.append(skipped(SECTION, "jwt, api_key and Redis cache layers", "not in --quick"))
    return rows
