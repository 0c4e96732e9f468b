"""The README's quick start, run as written, from a fresh clone, by a new user's shell:

- with the system's own Python where it is externally managed (PEP 668: Debian's python3
  refuses `pip install` outside a virtualenv), and
- with a plain virtualenv already activated (its VIRTUAL_ENV exported).

Both commands must work (the service answers, the project's tests pass) and print no
warning: no `externally-managed-environment`, no uv "VIRTUAL_ENV ... does not match".
It installs from the package index, as a user's machine would. The test command runs as
written, narrowed to the project's health tests (PYTEST_ADDOPTS): pytest still collects every
test module, so a dependency the project forgot to declare fails here; the whole suite of this
same project runs in the template tests (tier 2's `preset-full`), and in a venv of its own
from the index with `scripts/test --fresh-install`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from shells import user_environment

from cli_helpers import REPO_ROOT, git

pytestmark = pytest.mark.slow

SYSTEM_PYTHON = Path("/usr/bin/python3")
WARNINGS = re.compile(r"warning|externally-managed|does not match", re.IGNORECASE)
# What the generated service itself logs on purpose: no key, so the offline fake model.
EXPECTED_LOG = re.compile(r"WARNING .* app\.llm\.factory: LLM provider: the offline FAKE model")


def quick_start_commands() -> list[str]:
    """The shell blocks of the README's "Quick start" before aiapi's own test command."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)\n```", section, re.DOTALL)
    commands = [block for block in blocks if "./scripts/test" not in block]
    assert len(commands) == 2, commands
    return commands


def externally_managed(python: Path) -> bool:
    code = "import sysconfig; print(sysconfig.get_path('stdlib'))"
    found = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    return found.returncode == 0 and (Path(found.stdout.strip()) / "EXTERNALLY-MANAGED").is_file()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_clone(tmp_path: Path) -> Path:
    """This checkout as a user clones it (committed work only)."""
    clone = tmp_path / "aiapi"
    git(tmp_path, "clone", "--quiet", str(REPO_ROOT), str(clone))
    return clone


def run_first_command(clone: Path, env: dict[str, str], command: str) -> str:
    """Runs it until the service answers /health, then stops it; returns what it printed."""
    port = free_port()
    log = clone.parent / "first-command.log"
    with log.open("w") as output:
        shell = subprocess.Popen(
            ["bash", "-c", command],
            cwd=clone,
            env={**env, "UVICORN_PORT": str(port)},  # uvicorn reads its options from UVICORN_*
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 600
            while not answers_health(port):
                assert shell.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "no /health answer within 10 minutes"
                time.sleep(0.5)
        finally:
            if shell.poll() is None:
                os.killpg(shell.pid, signal.SIGINT)  # Ctrl-C, as the README says
            try:
                shell.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(shell.pid, signal.SIGKILL)
                shell.wait()
    return log.read_text()


def answers_health(port: int) -> bool:
    url = f"http://127.0.0.1:{port}/health"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            assert "server" not in response.headers, "the run command announces its server"
            return bool(response.status == 200)
    except OSError:
        return False


def run_second_command(clone: Path, env: dict[str, str], command: str) -> str:
    """In the same shell as the first: aiapi's virtualenv active, inside the project."""
    completed = subprocess.run(
        ["bash", "-c", f". .venv/bin/activate && cd my-api && {command}"],
        cwd=clone,
        env={**env, "PYTEST_ADDOPTS": "-k health"},
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-6000:]
    return output


def unexpected_warnings(output: str) -> list[str]:
    return [
        line
        for line in output.splitlines()
        if WARNINGS.search(line) and not EXPECTED_LOG.search(line)
    ]


@pytest.mark.parametrize("shell", ["system-python", "activated-venv"])
def test_the_quick_start_as_written(shell: str, tmp_path: Path) -> None:
    first, second = quick_start_commands()
    home = tmp_path / "home"
    home.mkdir()
    if shell == "system-python":
        if not externally_managed(SYSTEM_PYTHON):
            pytest.skip(f"{SYSTEM_PYTHON} is not an externally managed (PEP 668) Python here")
        refused = subprocess.run(
            [SYSTEM_PYTHON, "-m", "pip", "install", "--dry-run", "uv"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert "externally-managed-environment" in refused.stderr  # what the old README hit
        env = user_environment(home, [], None)
    else:
        other = tmp_path / "another-venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", other], check=True)
        env = user_environment(home, [other / "bin"], other)
    python3 = shutil.which("python3", path=env["PATH"])
    assert python3 is not None
    if shell == "system-python":
        assert Path(python3) == SYSTEM_PYTHON
    else:
        assert not externally_managed(Path(python3))
    clone = fresh_clone(tmp_path)

    printed = run_first_command(clone, env, first)
    assert "Application startup complete." in printed
    assert unexpected_warnings(printed) == []

    tested = run_second_command(clone, env, second)
    assert re.search(r"\b\d+ passed\b", tested), tested[-2000:]
    assert unexpected_warnings(tested) == []
