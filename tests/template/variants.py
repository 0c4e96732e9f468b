"""Named variants for working on the template by hand, and the record of a variant's checks.

The test matrix itself is not listed here: tests/template/matrix.py computes it from copier.yml.
These names are shortcuts for scripts/render.py and for tests that need one particular shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The presets (presets/*.yml) are available by name in scripts/render.py as well.
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


@dataclass
class CheckRun:
    name: str
    ok: bool
    seconds: float
    output: str


@dataclass
class VariantRun:
    name: str
    tier: str = ""
    checks: list[CheckRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def seconds(self) -> float:
        return sum(check.seconds for check in self.checks)

    @property
    def slowest(self) -> CheckRun | None:
        return max(self.checks, key=lambda check: check.seconds, default=None)

    def failures(self) -> str:
        return "\n\n".join(
            f"--- {check.name} failed ---\n{check.output[-6000:]}"
            for check in self.checks
            if not check.ok
        )
