"""What every benchmark section shares: result rows, whole-process timing, the machine."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Row:
    """One figure: ours against its floor, measured in the same run.

    `ratio` is ours / floor (for a rate: ours / floor too, so read `target` for the
    direction). `met` is None where there is no target, or nothing was measured.
    """

    section: str
    measure: str
    ours: str = ""
    floor: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    skipped: str = ""

    @property
    def result(self) -> str:
        if self.skipped:
            return "skipped"
        if self.ratio is None:
            return self.ours
        return f"{self.ratio:.2f}x"

    @property
    def verdict(self) -> str:
        if self.skipped or self.met is None:
            return ""
        return "met" if self.met else "**missed**"


def skipped(section: str, measure: str, why: str) -> Row:
    return Row(section, measure, skipped=why)


def run_timed(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> float:
    """Wall-clock seconds of one whole process, start to exit; fails loudly on a non-zero exit."""
    started = time.perf_counter()
    completed = subprocess.run(
        list(command),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=timeout,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        tail = completed.stderr.decode(errors="replace")[-1500:]
        raise RuntimeError(f"`{' '.join(command)}` exited {completed.returncode}:\n{tail}")
    return elapsed


def paired(
    runs: int, ours: Callable[[int], float], floor: Callable[[int], float]
) -> tuple[list[float], list[float]]:
    """`runs` pairs, the order alternating: this shared VM's speed drifts 10-30% a minute,
    a pair measured back to back drifts together."""
    mine: list[float] = []
    theirs: list[float] = []
    for index in range(runs):
        if index % 2 == 0:
            mine.append(ours(index))
            theirs.append(floor(index))
        else:
            theirs.append(floor(index))
            mine.append(ours(index))
    return mine, theirs


def ratio_of_pairs(mine: Sequence[float], theirs: Sequence[float]) -> float:
    """The median of the per-pair ratios (robust to drift between pairs)."""
    return statistics.median(m / t for m, t in zip(mine, theirs, strict=True))


def seconds(value: float) -> str:
    return f"{value * 1000:,.0f} ms" if value < 10 else f"{value:,.1f} s"


def machine() -> dict[str, str]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        load = "n/a"
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "system": f"{platform.system()} {platform.release()}",
        "load": load,
    }
