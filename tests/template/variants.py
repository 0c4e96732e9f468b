"""Representative variants of the template, and the checks every generated project must pass."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# Each one flips several answers at once, so together they cover every file switch.
VARIANTS: dict[str, dict[str, object]] = {
    "defaults": {},
    "minimal": {
        "auth": "none",
        "cache": "none",
        "vector_store": "none",
        "docker": False,
        "ci": "none",
    },
    "anthropic-apikey-redis-qdrant": {
        "llm_provider": "anthropic",
        "auth": "api_key",
        "cache": "redis",
        "vector_store": "qdrant",
        "python_version": "3.13",
    },
    "postgres-redis-pgvector-jwt": {
        "database": "postgres",
        "cache": "redis",
        "vector_store": "pgvector",
        "auth": "jwt",
    },
    "postgres-sqlitevec-open": {
        "database": "postgres",
        "cache": "memory",
        "vector_store": "sqlite_vec",
        "auth": "none",
        "python_version": "3.11",
    },
}

PYTHON = sys.executable
CHECKS: dict[str, list[str]] = {
    "ruff check": [PYTHON, "-m", "ruff", "check", "--no-cache", "."],
    "ruff format": [PYTHON, "-m", "ruff", "format", "--check", "--no-cache", "."],
    "mypy --strict": [PYTHON, "-m", "mypy", "--strict", "app"],
    "lint-imports": [str(Path(PYTHON).with_name("lint-imports")), "--no-cache"],
    # With the coverage gate the project's own `make test` and CI apply.
    "pytest": [
        *[PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"],
        *["--cov=app", "--cov-branch", "--cov-fail-under=85"],
    ],
}


@dataclass
class CheckRun:
    name: str
    ok: bool
    seconds: float
    output: str


@dataclass
class VariantRun:
    name: str
    checks: list[CheckRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def seconds(self) -> float:
        return sum(check.seconds for check in self.checks)

    def failures(self) -> str:
        return "\n\n".join(
            f"--- {check.name} failed ---\n{check.output[-6000:]}"
            for check in self.checks
            if not check.ok
        )


def run_checks(name: str, project: Path, env: dict[str, str]) -> VariantRun:
    """Runs each check in the generated project with this interpreter (the shared venv)."""
    result = VariantRun(name)
    for check, command in CHECKS.items():
        started = time.perf_counter()
        completed = subprocess.run(
            command,
            cwd=project,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        result.checks.append(
            CheckRun(
                check,
                completed.returncode == 0,
                time.perf_counter() - started,
                completed.stdout + completed.stderr,
            )
        )
    return result
