"""Generate representative variants with pytest-copie and run each project's own checks:
`ruff check`, `ruff format --check`, `mypy --strict app` and its pytest suite, against real
PostgreSQL, Redis and pgvector where the variant chooses them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tomllib

import pytest
from pytest_copie.plugin import Copie
from variants import VARIANTS, VariantRun, run_checks


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_passes_its_own_checks(
    name: str,
    copie: Copie,
    service_env: dict[str, str],
    variant_runs: list[VariantRun],
    request: pytest.FixtureRequest,
) -> None:
    answers = VARIANTS[name]
    result = copie.copy(extra_answers=answers)
    assert result.exit_code == 0, result.exception
    assert result.project_dir is not None
    env = dict(service_env)
    if answers.get("vector_store") == "pgvector":
        env["TEST_DATABASE_URL"] = request.getfixturevalue("pgvector_url")

    run = run_checks(name, result.project_dir, env)
    variant_runs.append(run)
    assert run.ok, run.failures()


def test_dependencies_follow_the_answers(copie: Copie) -> None:
    def dependencies(**answers: object) -> set[str]:
        result = copie.copy(extra_answers=answers)
        assert result.project_dir is not None
        project = tomllib.loads((result.project_dir / "pyproject.toml").read_text())["project"]
        return {spec.split(">")[0].split("[")[0] for spec in project["dependencies"]}

    minimal = dependencies(auth="none", cache="none", vector_store="none")
    assert not minimal & {"redis", "apsw", "qdrant-client", "pgvector", "pyjwt", "asyncpg", "pypdf"}
    assert {"fastapi", "openai", "aiosqlite"} <= minimal

    chat_only = dependencies(llm_provider="anthropic", vector_store="none")
    assert "anthropic" in chat_only
    assert not chat_only & {"openai", "pypdf", "python-docx", "charset-normalizer"}

    full = dependencies(
        llm_provider="anthropic", database="postgres", cache="redis", vector_store="pgvector"
    )
    assert {"anthropic", "asyncpg", "redis", "pgvector", "pyjwt", "pwdlib"} <= full
    # The knowledge base reads documents, and embeds through any OpenAI-compatible API.
    assert {"openai", "pypdf", "python-docx", "charset-normalizer", "python-multipart"} <= full
    assert not full & {"aiosqlite", "apsw"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _has_pgvector(url: str) -> bool:
    admin = url.replace("postgresql+asyncpg://", "postgresql://")
    query = "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'"
    found = subprocess.run(
        ["psql", admin, "-tAc", query], capture_output=True, text=True, timeout=30, check=False
    )
    return found.stdout.strip() != "0"


@pytest.mark.parametrize("missing", ["postgres", "pgvector"])
def test_a_missing_server_stops_the_generated_tests_at_once(
    missing: str, copie: Copie, service_env: dict[str, str]
) -> None:
    """One line saying what is missing, instead of an error with a traceback per test."""
    result = copie.copy(extra_answers=VARIANTS["postgres-redis-pgvector-jwt"])
    assert result.project_dir is not None
    env = {**os.environ, **service_env}
    if missing == "postgres":
        env["TEST_DATABASE_URL"] = f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/x"
        expected = "Cannot reach PostgreSQL at 127.0.0.1:"
    else:  # the machine's own PostgreSQL, as long as it has no pgvector
        if _has_pgvector(env["TEST_DATABASE_URL"]):
            pytest.skip("this machine's PostgreSQL has pgvector")
        expected = "has no pgvector extension: run one that has it"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=result.project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == pytest.ExitCode.USAGE_ERROR, output
    assert "Traceback" not in output
    (message,) = [line for line in output.splitlines() if expected in line]
    assert message.endswith(
        "(TEST_DATABASE_URL and TEST_REDIS_URL choose the servers the tests use) !"
    )
    assert " passed" not in output
    assert " error" not in output
