"""An app under uvicorn in a process of its own, with the flags every benchmark gives both
sides of a comparison, and what the benchmarks read from that process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    port: int
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time of the server process so far, every thread, in nanosecond resolution
        (the scheduler's own account; /proc/PID/stat counts 10 ms ticks)."""
        total = 0
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except FileNotFoundError:  # a thread that just ended
                continue
        return total / 1e9

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")


@contextmanager
def served(
    app: str, cwd: Path, env: dict[str, str], *, factory: bool = False, start_seconds: float = 60
) -> Iterator[Served]:
    """`app` (an import string) served on a free port until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--log-level", "warning"]
    command += ["--no-access-log", "--loop", "uvloop", "--http", "httptools"]
    command += ["--factory"] if factory else []
    process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **env})
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{app} in {cwd} did not start") from None
                time.sleep(0.05)
        yield Served(port, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
