"""Generate representative variants with pytest-copie and run each project's own checks:
`ruff check`, `ruff format --check`, `mypy --strict app` and its pytest suite, against real
PostgreSQL, Redis and pgvector where the variant chooses them."""

from __future__ import annotations

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
