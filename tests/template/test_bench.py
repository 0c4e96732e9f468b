"""The benchmark scripts keep working (tiny runs; their numbers are read by people, not here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "chat.py"


def test_bench_runs_and_reports_every_measure() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--events=300",
            "--rounds=1",
            "--load-rounds=1",
            "--ttfb-samples=5",
            "--seconds=0.3",
            "--connections=4",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    for measure in ("SSE events/s", "time to first byte", "non-stream requests/s"):
        assert measure in completed.stdout


def test_rag_bench_runs_and_reports_every_measure() -> None:
    completed = subprocess.run(
        [sys.executable, str(BENCH.with_name("rag.py")), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    for store in ("sqlite_vec", "qdrant"):
        assert f"\n{store}\n" in completed.stdout
    assert completed.stdout.count("ingest MB/s") == 2
    assert completed.stdout.count("search at     500 passages   p50") == 2
