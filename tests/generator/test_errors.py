"""Bad input: exit 2, one readable line on stderr, and nothing left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import Cli, one_error_line

BAD_INPUTS = {
    "unknown --data key": (
        ["--data", "colour=blue"],
        "Error: unknown question 'colour' in --data; known questions: project_name,",
    ),
    "--data without =": (["--data", "cache"], "Error: --data 'cache' is not KEY=VALUE"),
    "computed key": (
        ["--data", "project_slug=x"],
        "Error: 'project_slug' in --data is computed from other answers and cannot be set",
    ),
    "bad choice by flag": (
        ["--cache", "mongo"],
        "Error: cache='mongo' is not allowed; choose one of: memory, redis, none",
    ),
    "bad choice by --data": (
        ["--data", "vector_store=faiss"],
        "Error: vector_store='faiss' is not allowed; choose one of: sqlite_vec, qdrant, pgvector,"
        " none",
    ),
    "bad python version": (
        ["--python-version", "3.9"],
        "Error: python_version='3.9' is not allowed; choose one of: 3.12, 3.11, 3.13",
    ),
    "bad bool": (
        ["--data", "docker=maybe"],
        "Error: docker='maybe' is not a yes/no value; use true or false",
    ),
    "invalid combination (copier.yml validator)": (
        ["--vector-store", "pgvector"],
        "Error: vector_store='pgvector' is not allowed: pgvector lives in PostgreSQL: choose "
        "database=postgres, or vector_store=sqlite_vec, qdrant or none",
    ),
    "bad project name": (
        ["--project-name", "1st api!"],
        "Error: project_name='1st api!' is not allowed: must start with a letter",
    ),
    "bad email": (
        ["--author-email", "nobody"],
        "Error: author_email='nobody' is not allowed: must look like name@example.com",
    ),
    "unknown preset": (
        ["--preset", "huge"],
        "Error: unknown preset 'huge'; choose one of: full, minimal, production",
    ),
    "missing answers file": (
        ["--answers", "nope.yml"],
        "Error: answers file 'nope.yml' does not exist",
    ),
    "missing template": (
        ["--template", "/nonexistent/template"],
        "Error: template '/nonexistent/template' does not exist",
    ),
}


def _snapshot(path: Path) -> tuple[list[str], int]:
    return sorted(p.name for p in path.iterdir()), path.stat().st_mtime_ns


@pytest.mark.parametrize(("args", "message"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
@pytest.mark.parametrize("existing", [False, True], ids=["new-folder", "existing-empty-folder"])
def test_bad_input_leaves_nothing(
    cli: Cli,
    standin: Path,
    workdir: Path,
    args: list[str],
    message: str,
    existing: bool,
) -> None:
    template = [] if "--template" in args else ["--template", str(standin)]
    dest = workdir / "svc"
    if existing:
        dest.mkdir()
        before = _snapshot(dest)
    result = cli("new", "svc", *template, "--yes", *args)
    assert result.exit_code == 2, result.output
    assert one_error_line(result).startswith(message)
    if existing:
        assert _snapshot(dest) == before
    else:
        assert not dest.exists()
    assert sorted(p.name for p in workdir.iterdir()) == (["svc"] if existing else [])


def test_invalid_default_project_name_names_the_folder(
    cli: Cli, standin: Path, workdir: Path
) -> None:
    result = cli("new", "9lives", "--template", standin, "--yes")
    assert result.exit_code == 2
    line = one_error_line(result)
    assert line.startswith("Error: project_name='9lives' (the default) is not allowed: ")
    assert line.endswith("pass --project-name")
    assert not (workdir / "9lives").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("cache: [unclosed\n", "is not valid YAML"),
        ("- a list\n", "must be a mapping of question: answer"),
        ("cache: mongo\n", "cache='mongo' is not allowed; choose one of: memory, redis, none"),
        ("colour: blue\n", "unknown question 'colour' in answers file"),
    ],
)
def test_bad_answers_file(
    cli: Cli, standin: Path, workdir: Path, tmp_path: Path, content: str, message: str
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(content)
    result = cli("new", "svc", "--template", standin, "--yes", "--answers", answers)
    assert result.exit_code == 2
    assert message in one_error_line(result)
    assert not (workdir / "svc").exists()


def test_non_empty_destination_is_refused_and_untouched(
    cli: Cli, standin: Path, workdir: Path
) -> None:
    dest = workdir / "svc"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    before = _snapshot(dest)
    result = cli("new", "svc", "--template", standin, "--yes")
    assert result.exit_code == 2
    assert one_error_line(result) == "Error: destination 'svc' is not empty; choose a new folder"
    assert _snapshot(dest) == before
    assert (dest / "notes.txt").read_text() == "mine"


def test_destination_that_is_a_file(cli: Cli, standin: Path, workdir: Path) -> None:
    (workdir / "svc").write_text("")
    result = cli("new", "svc", "--template", standin, "--yes")
    assert result.exit_code == 2
    assert one_error_line(result) == "Error: destination 'svc' exists and is not a folder"


def test_no_terminal_and_no_yes(cli: Cli, standin: Path, workdir: Path) -> None:
    result = cli("new", "svc", "--template", standin, "--cache", "redis")
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "no terminal" in line
    assert "--yes" in line
    assert not (workdir / "svc").exists()


def test_all_questions_answered_needs_no_terminal(cli: Cli, standin: Path, workdir: Path) -> None:
    result = cli(
        "new", "svc", "--template", standin, "-q", "--preset", "full",
        "--project-name", "svc", "--description", "d", "--author-name", "a",
        "--author-email", "a@example.com", "--python-version", "3.12",
        "--llm-provider", "openai",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
