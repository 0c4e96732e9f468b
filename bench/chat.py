"""Chat speed of a generated service, side by side with bare baselines, in one run.

    python bench/chat.py [--variant minimal|defaults] [--seconds 5] [--events 20000]

Generates a project from this checkout, then serves each app under uvicorn in its own process
(one worker, the same flags) and drives it over loopback from this process:

- SSE events/s: one long `/api/chat` stream from the fake model, against a minimal Starlette
  endpoint that streams the same `data: {"content": ...}` events (target ratio >= 0.8);
- time to first byte of a stream, against the same Starlette endpoint (target: < 5 ms added);
- non-stream `/api/chat` requests/s under concurrent keep-alive load, against a bare FastAPI
  endpoint that validates the same body and answers the same envelope (target ratio >= 0.5;
  the median of per-round ratios, each round's pair measured back to back),
  and, for scale, against a plain FastAPI endpoint that also stores the same rows (a
  conversation, two messages, a usage record) the usual way: an ORM session and a commit per
  request, on the same SQLite settings.

Needs the template's dependencies in this interpreter (scripts/test installs them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import textwrap
import time
from collections.abc import Mapping
from pathlib import Path

from server import served

REPO = Path(__file__).resolve().parents[1]
VARIANTS: dict[str, dict[str, object]] = {
    "minimal": {"auth": "none", "cache": "none", "vector_store": "none", "docker": False},
    "defaults": {"auth": "none"},
}

BASELINE_APP = textwrap.dedent(
    '''
    """The baselines: a minimal Starlette SSE endpoint and a bare FastAPI endpoint."""
    import json
    import re

    from fastapi import FastAPI
    from pydantic import BaseModel
    from starlette.requests import Request
    from starlette.responses import StreamingResponse

    WORDS = re.compile(r"\\s*\\S+")
    app = FastAPI()


    class Message(BaseModel):
        role: str
        content: str


    class Body(BaseModel):
        messages: list[Message]
        stream: bool = False


    @app.post("/api/chat")
    async def chat(body: Body) -> dict[str, object]:
        return {"code": 200, "data": {"content": body.messages[-1].content}, "message": "success"}


    @app.post("/sse")
    async def sse(request: Request) -> StreamingResponse:
        text = (await request.json())["messages"][-1]["content"]

        async def events():
            for piece in WORDS.findall(text):
                yield b"data: " + json.dumps({"content": piece}).encode() + b"\\n\\n"
            yield b"data: [DONE]\\n\\n"

        return StreamingResponse(events(), media_type="text/event-stream")
    '''
)


PERSISTING_BASELINE = textwrap.dedent(
    '''
    """A plain FastAPI endpoint storing one chat turn per request with an ORM session."""
    import os
    from contextlib import asynccontextmanager

    from fastapi import FastAPI
    from pydantic import BaseModel

    from app.chat.models import Conversation, StoredMessage
    from app.core.ids import new_id
    from app.db.base import Base
    from app.db.engine import create_engine, create_sessionmaker
    from app.usage.models import UsageRecord

    engine = create_engine(os.environ["PERSISTING_DATABASE_URL"])
    sessions = create_sessionmaker(engine)


    @asynccontextmanager
    async def lifespan(app):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        yield
        await engine.dispose()


    app = FastAPI(lifespan=lifespan)


    class Message(BaseModel):
        role: str
        content: str


    class Body(BaseModel):
        messages: list[Message]


    @app.post("/api/chat")
    async def chat(body: Body) -> dict[str, object]:
        text = body.messages[-1].content
        conversation_id = new_id()
        async with sessions.begin() as session:
            session.add(
                Conversation(id=conversation_id, owner_id="anonymous", title=text, model="m")
            )
            session.add_all(
                StoredMessage(conversation_id=conversation_id, role=role, content=text)
                for role in ("user", "assistant")
            )
            session.add(
                UsageRecord(
                    owner_id="anonymous", provider="fake", model="m", endpoint="chat",
                    prompt_tokens=1, completion_tokens=1, cost_usd=0.0,
                    conversation_id=conversation_id,
                )
            )
        return {"code": 200, "data": {"content": text, "conversation_id": conversation_id}}
    '''
)


def request_bytes(port: int, path: str, body: Mapping[str, object]) -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def read_head(reader: asyncio.StreamReader) -> dict[str, str]:
    raw = await reader.readuntil(b"\r\n\r\n")
    lines = raw.decode("latin-1").split("\r\n")
    if " 200 " not in lines[0]:
        raise RuntimeError(f"unexpected answer: {lines[0]}")
    return {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if line)}


async def stream_once(port: int, path: str, body: Mapping[str, object]) -> tuple[float, float, int]:
    """(time to first body byte, total seconds, events) of one streamed answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    started = time.perf_counter()
    writer.write(request_bytes(port, path, body))
    await read_head(reader)
    first_byte = 0.0
    events = 0
    buffer = b""
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.strip(), 16)
        if size == 0:
            break
        chunk = await reader.readexactly(size + 2)
        if not first_byte:
            first_byte = time.perf_counter() - started
        buffer += chunk[:-2]
        *complete, buffer = buffer.split(b"\n\n")
        events += sum(1 for event in complete if event.startswith(b"data: "))
    total = time.perf_counter() - started
    writer.close()
    return first_byte, total, events


async def load(port: int, body: Mapping[str, object], seconds: float, connections: int) -> float:
    """Requests/s of keep-alive connections sending requests back to back to /api/chat."""
    request = request_bytes(port, "/api/chat", body)
    done = 0
    stop_at = time.perf_counter() + seconds

    async def connection() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < stop_at:
            writer.write(request)
            head = await read_head(reader)
            await reader.readexactly(int(head["content-length"]))
            done += 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    return done / (time.perf_counter() - started)


def generate(variant: str, destination: Path) -> Path:
    import copier

    copier.run_copy(
        str(REPO),
        destination,
        data={"project_name": "bench", **VARIANTS[variant]},
        defaults=True,
        unsafe=True,
        quiet=True,
        vcs_ref="HEAD",
    )
    return destination


async def measure(args: argparse.Namespace, project: Path, work: Path) -> dict[str, float]:
    env = {
        "LLM_PROVIDER": "fake",
        "FAKE_LLM_DELAY_MS": "0",
        "DATABASE_URL": f"sqlite+aiosqlite:///{work / 'bench.db'}",
        "CHAT_MAX_MESSAGE_CHARS": "10000000",
        "MAX_REQUEST_KB": "100000",
        "LOG_LEVEL": "WARNING",
        # The load comes from one client: limits would refuse it (their cost is measured apart).
        "RATE_LIMIT_PER_MINUTE": "0",
        "TOKEN_BUDGET_PER_DAY": "0",
    }
    (work / "baseline.py").write_text(BASELINE_APP)
    (project / "persisting_baseline.py").write_text(PERSISTING_BASELINE)
    persisting_env = {"PERSISTING_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'plain.db'}"}
    words = " ".join(f"w{i % 1000}" for i in range(args.events))
    long_body = {"messages": [{"role": "user", "content": words}], "stream": True}
    short_body = {"messages": [{"role": "user", "content": "hello there"}], "stream": True}
    plain_body = {"messages": [{"role": "user", "content": "hello there"}]}

    with (
        served("baseline:app", work, {}, start_seconds=30) as base_server,
        served("persisting_baseline:app", project, persisting_env, start_seconds=30) as plain,
        served("app.main:create_app", project, env, factory=True, start_seconds=30) as our_server,
    ):
        base, persisting, ours = base_server.port, plain.port, our_server.port
        for port in (base, ours):  # warm both (imports, first connections, SQLite pages)
            await stream_once(port, "/sse" if port == base else "/api/chat", short_body)
        for port in (base, persisting, ours):
            await load(port, plain_body, 0.5, 4)

        rates: dict[str, list[float]] = {"base": [], "ours": []}
        for _ in range(args.rounds):
            _, total, events = await stream_once(base, "/sse", long_body)
            rates["base"].append(events / total)
            _, total, events = await stream_once(ours, "/api/chat", long_body)
            rates["ours"].append(events / total)

        ttfb: dict[str, list[float]] = {"base": [], "ours": []}
        for _ in range(args.ttfb_samples):
            ttfb["base"].append((await stream_once(base, "/sse", short_body))[0])
            ttfb["ours"].append((await stream_once(ours, "/api/chat", short_body))[0])

        # Short rounds, each pair back to back in alternating order, and the median of the
        # per-round ratios: this VM's speed drifts by 10-30% over a minute, a pair's doesn't.
        throughput: dict[str, list[float]] = {"base": [], "persisting": [], "ours": []}
        for index in range(args.load_rounds):
            pair = [("base", base), ("ours", ours)]
            order = [*(pair if index % 2 == 0 else pair[::-1]), ("persisting", persisting)]
            for name, port in order:
                rate = await load(port, plain_body, args.seconds, args.connections)
                throughput[name].append(rate)

    ratios = [o / b for o, b in zip(throughput["ours"], throughput["base"], strict=True)]
    return {
        "sse_base": statistics.median(rates["base"]),
        "sse_ours": statistics.median(rates["ours"]),
        "ttfb_base_ms": statistics.median(ttfb["base"]) * 1000,
        "ttfb_ours_ms": statistics.median(ttfb["ours"]) * 1000,
        "rps_base": statistics.median(throughput["base"]),
        "rps_ours": statistics.median(throughput["ours"]),
        "rps_persisting": statistics.median(throughput["persisting"]),
        "rps_ratio": statistics.median(ratios),
        "rps_ratio_low": min(ratios),
        "rps_ratio_high": max(ratios),
    }


def report(args: argparse.Namespace, result: dict[str, float]) -> None:
    sse_base, sse_ours = result["sse_base"], result["sse_ours"]
    ttfb_base, ttfb_ours = result["ttfb_base_ms"], result["ttfb_ours_ms"]
    rps_base, rps_ours = result["rps_base"], result["rps_ours"]
    rps_persisting = result["rps_persisting"]
    print(
        f"\nvariant {args.variant}: {args.events} events per stream, {args.rounds} stream rounds, "
        f"{args.load_rounds} load rounds of {args.seconds:g} s x {args.connections} connections"
    )
    print(f"{'measure':<34}{'baseline':>12}{'/api/chat':>12}{'result':>12}  target")
    print(
        f"{'SSE events/s':<34}{sse_base:>12,.0f}{sse_ours:>12,.0f}"
        f"{sse_ours / sse_base:>11.2f}x  >= 0.8x"
    )
    print(
        f"{'time to first byte, median (ms)':<34}{ttfb_base:>12.2f}{ttfb_ours:>12.2f}"
        f"{ttfb_ours - ttfb_base:>+11.2f}ms  < 5 ms added"
    )
    print(
        f"{'non-stream requests/s':<34}{rps_base:>12,.0f}{rps_ours:>12,.0f}"
        f"{result['rps_ratio']:>11.2f}x  >= 0.5x"
        f"  (rounds {result['rps_ratio_low']:.2f}-{result['rps_ratio_high']:.2f})"
    )
    print(
        f"{'  vs one ORM commit per request':<34}{rps_persisting:>12,.0f}{rps_ours:>12,.0f}"
        f"{rps_ours / rps_persisting:>11.2f}x  (for scale)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="minimal")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ttfb-samples", type=int, default=200)
    parser.add_argument("--load-rounds", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aiapi-bench-") as tmp:
        work = Path(tmp)
        project = generate(args.variant, work / "project")
        report(args, asyncio.run(measure(args, project, work)))


if __name__ == "__main__":
    main()
