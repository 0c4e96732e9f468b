"""A/B speed of two generated projects: is one change worth keeping?

    python bench/ab.py A_DIR B_DIR [--rounds 12] [--seconds 2] [--events 20000]

Serves both projects' `app.main:create_app` under uvicorn (one worker each, the same flags)
and measures both at once, under the same load, in rounds:

- non-stream `/api/chat`: the server's CPU time per request under concurrent keep-alive load;
- SSE: the server's CPU time per event of one long `/api/chat` stream.

CPU time of the server process (the scheduler's account in /proc), not wall-clock throughput: on a
small shared VM, throughput moves 10-30% with whatever else runs, while the work the server
does per request barely moves. Prints the median of the per-round ratios B/A (below 1: B
does less work) and their range. Use it to toggle one speed
trick at a time (copy a generated project, undo the trick in the copy, compare): the notes in
bench/NOTES.md keep a trick only with a gain of at least 3% measured this way.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from collections.abc import Awaitable
from contextlib import AbstractContextManager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat import load, stream_once
from server import Served, served


def served_project(project: Path, env: dict[str, str]) -> AbstractContextManager[Served]:
    return served("app.main:create_app", project, env, factory=True, start_seconds=30)


def environment(work: Path, name: str) -> dict[str, str]:
    return {
        "LLM_PROVIDER": "fake",
        "FAKE_LLM_DELAY_MS": "0",
        "DATABASE_URL": f"sqlite+aiosqlite:///{work / f'{name}.db'}",
        "VECTOR_DB_PATH": str(work / f"{name}-vectors.db"),
        "CHAT_MAX_MESSAGE_CHARS": "10000000",
        "MAX_REQUEST_KB": "100000",
        "LOG_LEVEL": "WARNING",
        # The load comes from one client: limits would refuse it (their cost is measured apart).
        "RATE_LIMIT_PER_MINUTE": "0",
        "TOKEN_BUDGET_PER_DAY": "0",
        "ENVIRONMENT": "development",
    }


async def measured(server: Served, work: Awaitable[float]) -> tuple[float, float]:
    """(what `work` returned, server CPU seconds it took)."""
    before = server.cpu_seconds()
    result = await work
    return result, server.cpu_seconds() - before


async def compare(args: argparse.Namespace, work: Path) -> None:
    words = " ".join(f"w{i % 1000}" for i in range(args.events))
    long_body = {"messages": [{"role": "user", "content": words}], "stream": True}
    plain_body = {"messages": [{"role": "user", "content": "hello there"}]}
    with (
        served_project(args.a, environment(work, "a")) as a,
        served_project(args.b, environment(work, "b")) as b,
    ):
        for server in (a, b):
            await load(server.port, plain_body, 0.5, 4)
        per_request: list[float] = []
        per_event: list[float] = []
        half = max(1, args.connections // 2)
        for index in range(args.rounds):
            # Both at once, under the same load: whatever else the machine is doing then
            # slows both alike, and the ratio of their CPU time per request stays.
            (rate_a, cpu_a), (rate_b, cpu_b) = await asyncio.gather(
                measured(a, load(a.port, plain_body, args.seconds, half)),
                measured(b, load(b.port, plain_body, args.seconds, half)),
            )
            request_a = cpu_a / (rate_a * args.seconds) * 1e6
            request_b = cpu_b / (rate_b * args.seconds) * 1e6
            per_request.append(request_b / request_a)
            line = f"round {index + 1}: us/request a {request_a:.1f} b {request_b:.1f}"
            if args.events:
                (stream_a, cpu_a), (stream_b, cpu_b) = await asyncio.gather(
                    measured(a, events_of(a.port, long_body)),
                    measured(b, events_of(b.port, long_body)),
                )
                event_a, event_b = cpu_a / stream_a * 1e6, cpu_b / stream_b * 1e6
                per_event.append(event_b / event_a)
                line += f"; us/event a {event_a:.2f} b {event_b:.2f}"
            print(line, flush=True)
    print(f"\nserver CPU time B/A over {args.rounds} rounds (median, range):")
    low, high = min(per_request), max(per_request)
    print(f"  per non-stream request  {statistics.median(per_request):.3f}  ({low:.3f}-{high:.3f})")
    if per_event:
        low, high = min(per_event), max(per_event)
        median = statistics.median(per_event)
        print(f"  per SSE event           {median:.3f}  ({low:.3f}-{high:.3f})")


async def events_of(port: int, body: dict[str, object]) -> float:
    _, _, count = await stream_once(port, "/api/chat", body)
    return float(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--events", type=int, default=20_000, help="0 skips the SSE measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aiapi-ab-") as tmp:
        asyncio.run(compare(args, Path(tmp)))


if __name__ == "__main__":
    main()
