"""Every valid answer combination, generated and checked in tiers (see matrix.py and runner.py):

- tier 1, every run, every valid combination of the code-affecting answers: render, debris,
  ruff check, ruff format --check, mypy --strict, lint-imports and a boot smoke against real
  services;
- tier 2, every run: the project's own test suite on a pairwise covering set plus the presets;
- tier 3, with --all-variants: the project's own test suite on every valid combination.
"""

from __future__ import annotations

import itertools
import math
import os
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import matrix
import pytest
import yaml
from pytest_copie.plugin import Copie
from variants import VARIANTS, VariantRun

PLAN = matrix.plan()


def test_the_matrix_is_every_combination_copier_accepts() -> None:
    enumeration = PLAN.enumeration
    asked = matrix.questions()
    assert enumeration.candidates == math.prod(len(q.values) for q in asked)
    # Each candidate is either refused by Copier (with its reason) or a distinct valid one.
    assert len(enumeration.refused) + len(enumeration.valid) <= enumeration.candidates
    assert all(message for _, message in enumeration.refused)
    code = [q for q in asked if q.code]
    assert {q.name for q in code} >= {"llm_provider", "auth", "database", "cache", "vector_store"}
    combinations = enumeration.code_combinations()
    refused_code = {tuple(a[q.name] for q in code) for a, _ in enumeration.refused} - {
        tuple(c.values()) for c in combinations
    }
    assert len(combinations) + len(refused_code) == math.prod(len(q.values) for q in code)
    # What Copier refuses today: pgvector without PostgreSQL, nothing else.
    assert {(a["vector_store"], a["database"]) for a, _ in enumeration.refused} == {
        ("pgvector", "sqlite")
    }


def test_tier1_generated_and_checked_every_combination(
    tier1_runs: dict[str, VariantRun], variant_root: Path
) -> None:
    """Read back from the projects on disk: one per valid combination, each one checked."""
    combinations = PLAN.enumeration.code_combinations()
    code = [q.name for q in matrix.code_questions()]
    generated = set()
    for answers_file in variant_root.glob("*/.copier-answers.yml"):
        answers = yaml.safe_load(answers_file.read_text())
        generated.add(tuple(answers[name] for name in code))
    assert generated == {tuple(c[name] for name in code) for c in combinations}
    assert len(tier1_runs) == len(combinations)
    checked = {"render", "debris", "ruff check", "ruff format", "mypy --strict", "boot smoke"}
    assert all(checked <= {c.name for c in run.checks} for run in tier1_runs.values())


def test_the_covering_set_covers_every_pair() -> None:
    wanted = set().union(*(matrix.pairs_of(a) for a in PLAN.enumeration.valid))
    covered = set().union(*(matrix.pairs_of(c.answers) for c in PLAN.covers))
    assert wanted <= covered
    assert len(wanted) == PLAN.pairs
    assert set(matrix.presets()) <= {c.name for c in PLAN.covers}
    valid = [matrix.pairs_of(a) for a in PLAN.enumeration.valid]
    assert all(matrix.pairs_of(c.answers) in valid for c in PLAN.covers)
    # No suite is run for nothing: each one beside the presets is the only cover of some pair.
    for cover in PLAN.covers[len(matrix.presets()) :]:
        others = [matrix.pairs_of(c.answers) for c in PLAN.covers if c is not cover]
        assert not matrix.pairs_of(cover.answers) <= set().union(*others), cover.name


def test_the_covering_set_is_as_small_as_two_questions_allow() -> None:
    """A combination holds one value of each question, so two questions with m and n values
    need m x n combinations (today the vector store's 4 and the Python version's 3: 12)."""
    names = [q.name for q in matrix.questions()]
    least = max(
        len({(answers[a], answers[b]) for answers in PLAN.enumeration.valid})
        for a, b in itertools.combinations(names, 2)
    )
    assert len(PLAN.covers) == least


def test_a_new_question_joins_the_matrix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Added to copier.yml and used by the code, a question multiplies the combinations, and
    Copier's verdict on it (here a validator) is what filters them."""
    template = matrix.snapshot(tmp_path / "template")
    with (template / "copier.yml").open("a") as copier_yml:
        copier_yml.write(
            "\ntracing:\n  type: str\n  help: Tracing\n  choices: [none, otel]\n"
            "  default: none\n  validator: >-\n    {% if tracing == 'otel' and cache == 'none' %}"
            "\n    otel exports through the cache: choose cache=memory or redis\n    {% endif %}\n"
        )
    (template / "template" / "app" / "{% if tracing == 'otel' %}tracing.py{% endif %}").touch()
    monkeypatch.setattr(matrix, "COPIER_YML", template / "copier.yml")
    monkeypatch.setattr(matrix, "TEMPLATE", template / "template")
    matrix.questions.cache_clear()
    try:
        grown = matrix.enumerate_answers(template)
        assert next(q for q in matrix.questions() if q.name == "tracing").code
    finally:
        matrix.questions.cache_clear()
    before = len(PLAN.enumeration.code_combinations())
    with_cache = sum(c["cache"] != "none" for c in PLAN.enumeration.code_combinations())
    assert len(grown.code_combinations()) == before + with_cache
    assert any("otel exports through the cache" in message for _, message in grown.refused)


@pytest.mark.parametrize("name", [name for name, _ in PLAN.tier("1")])
def test_tier1(name: str, tier1_runs: dict[str, VariantRun]) -> None:
    run = tier1_runs[name]
    assert run.ok, run.failures()


@pytest.mark.parametrize("name", [name for name, _ in PLAN.tier("2")])
def test_tier2(name: str, tier2_runs: dict[str, VariantRun]) -> None:
    run = tier2_runs[name]
    assert run.ok, run.failures()


@pytest.mark.parametrize("name", [name for name, _ in PLAN.tier("3")])
def test_tier3(name: str, tier3_runs: dict[str, VariantRun]) -> None:
    run = tier3_runs[name]
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
