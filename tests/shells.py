"""A new user's shell, for the tests that run commands as one would (the README's quick start,
the fresh installs, the reusable workflow's steps): its environment and a CI-like step."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

MACHINE_WIDE = {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"}


def user_environment(
    home: Path, path: list[Path], virtual_env: Path | None = None
) -> dict[str, str]:
    """A login-like environment: a new HOME, a plain PATH, the package index and caches of the
    machine (every shell on it has them), and `virtual_env` active if given."""
    real_home = Path.home()
    env = {
        "HOME": str(home),
        "PATH": os.pathsep.join([*map(str, path), "/usr/local/bin", "/usr/bin", "/bin"]),
        "LANG": "C.UTF-8",
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", str(real_home / ".cache" / "uv")),
        "PIP_CACHE_DIR": str(real_home / ".cache" / "pip"),
    }
    env |= {
        key: value
        for key, value in os.environ.items()
        if key.startswith(("PIP_", "UV_", "SSL_CERT_")) or key in MACHINE_WIDE
    }
    env.pop("UV_PROJECT_ENVIRONMENT", None)
    if virtual_env is not None:
        env["VIRTUAL_ENV"] = str(virtual_env)
    return env


def run_shell(script: str, cwd: Path, env: dict[str, str], timeout: float = 1800) -> str:
    """Like a CI step: bash with -e and pipefail; returns what it printed, fails with it."""
    completed = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"$ {script}\n{output[-8000:]}"
    return output
