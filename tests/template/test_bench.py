"""The benchmark entry point keeps working (a tiny run: its numbers are for people, not here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[2] / "bench" / "run.py"


def test_quick_run_measures_every_section_and_writes_the_report(tmp_path: Path) -> None:
    report = tmp_path / "benchmarks.md"
    completed = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--out", str(report)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    text = report.read_text()
    for heading in ("## Generator", "## Service", "## Knowledge base"):
        assert heading in text
    for measure in ("`aiapi new --yes --no-git` vs `copier copy", "SSE events/s", "p99 latency"):
        assert measure in text
    for measure in ("memory per open stream", "recall@5", "sqlite-vec: hybrid search p50"):
        assert measure in text
    assert "Qdrant local mode: ingest MB/s" in text
    assert "| met |" in text or "| **missed** |" in text  # figures came with their verdicts
