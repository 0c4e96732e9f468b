"""`aiapi new` with flags, --data, answers files and presets (in-process, stand-in template)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aiapi import __version__
from aiapi.questions import load_yaml, template_config
from cli_helpers import PACKAGED, Cli, answers_of, git


def test_flags_choose_the_files(cli: Cli, standin: Path, workdir: Path) -> None:
    result = cli("new", "svc", "--template", standin, "--yes", "--cache", "redis", "--no-docker")
    assert result.exit_code == 0, result.output
    project = workdir / "svc"
    assert (project / "app/cache/redis.py").is_file()
    assert not (project / "app/cache/memory.py").exists()
    assert not (project / "Dockerfile").exists()
    assert '"redis"' in (project / "pyproject.toml").read_text()
    recorded = answers_of(project)
    assert recorded["cache"] == "redis"
    assert recorded["docker"] is False
    assert recorded["_src_path"] == str(standin)
    assert recorded["_commit"] == "v1.0.0"


def test_first_commit_and_summary(cli: Cli, standin: Path, workdir: Path) -> None:
    result = cli("new", "svc", "--template", standin, "--yes")
    assert result.exit_code == 0, result.output
    log = git(workdir / "svc", "log", "--format=%s")
    assert log.strip() == f"Initial commit from aiapi {__version__}"
    assert git(workdir / "svc", "status", "--porcelain") == ""
    for text in (
        "project_name",
        "sqlite_vec",
        "cd svc",
        "uv run --no-active uvicorn --factory app.main:create_app --reload --no-server-header",
        "uv run --no-active pytest",
    ):
        assert text in result.stdout


def test_quiet_prints_nothing(cli: Cli, standin: Path, workdir: Path) -> None:
    result = cli("new", "svc", "--template", standin, "--yes", "--quiet")
    assert result.exit_code == 0
    assert result.output == ""


def test_no_git(cli: Cli, standin: Path, workdir: Path) -> None:
    result = cli("new", "svc", "--template", standin, "--yes", "--no-git", "-q")
    assert result.exit_code == 0, result.output
    assert not (workdir / "svc" / ".git").exists()


def test_yes_takes_every_default(cli: Cli, standin: Path, workdir: Path) -> None:
    result = cli("new", "my-service", "--template", standin, "--yes", "-q")
    assert result.exit_code == 0, result.output
    recorded = answers_of(workdir / "my-service")
    for question in template_config().askable:
        if question.templated_default:
            continue
        assert recorded[question.key] == question.default, question.key
    assert recorded["project_name"] == "my-service"  # the folder name
    assert "project_slug" not in recorded  # computed, never recorded


def test_data_values_are_read_as_the_question_type(cli: Cli, standin: Path, workdir: Path) -> None:
    result = cli(
        "new", "svc", "--template", standin, "--yes", "-q",
        "--data", "python_version=3.11",
        "-d", "docker=no",
        "-d", "description=Answers: with = signs",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    recorded = answers_of(workdir / "svc")
    assert recorded["python_version"] == "3.11"  # a string, not the float 3.11
    assert recorded["docker"] is False
    assert recorded["description"] == "Answers: with = signs"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("YES", True), ("1", True), ("false", False), ("No", False), ("0", False)],
)
def test_bool_words(cli: Cli, standin: Path, workdir: Path, text: str, expected: bool) -> None:
    result = cli(
        "new", "svc", "--template", standin, "--yes", "-q", "--no-git", "-d", f"docker={text}"
    )
    assert result.exit_code == 0, result.output
    assert answers_of(workdir / "svc")["docker"] is expected


def test_precedence_preset_answers_data_flags(
    cli: Cli, standin: Path, workdir: Path, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(
        yaml.safe_dump(
            {
                "_commit": "ignored",
                "_src_path": "ignored",
                "auth": "api_key",
                "cache": "memory",
                "description": "from the file",
                "python_version": 3.13,  # unquoted in YAML: still the string "3.13"
            }
        )
    )
    result = cli(
        "new", "svc", "--template", standin, "--yes", "-q",
        "--preset", "minimal",
        "--answers", answers,
        "--data", "cache=redis",
        "--data", "description=from --data",
        "--description", "from the flag",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    recorded = answers_of(workdir / "svc")
    assert recorded["auth"] == "api_key"  # answers file beats the preset
    assert recorded["cache"] == "redis"  # --data beats the answers file
    assert recorded["description"] == "from the flag"  # a flag beats --data
    assert recorded["vector_store"] == "none"  # from the preset
    assert recorded["docker"] is False  # from the preset
    assert recorded["python_version"] == "3.13"


@pytest.mark.parametrize("name", ["minimal", "full", "production"])
def test_presets(cli: Cli, standin: Path, workdir: Path, name: str) -> None:
    result = cli("new", "svc", "--template", standin, "--yes", "-q", "--no-git", "--preset", name)
    assert result.exit_code == 0, result.output
    recorded = answers_of(workdir / "svc")
    preset = load_yaml(PACKAGED.presets_dir / f"{name}.yml")
    for key, value in preset.items():
        if not key.startswith("_"):
            assert recorded[key] == value, key


def test_existing_empty_folder_is_used(cli: Cli, standin: Path, workdir: Path) -> None:
    (workdir / "svc").mkdir()
    result = cli("new", "svc", "--template", standin, "--yes", "-q")
    assert result.exit_code == 0, result.output
    assert (workdir / "svc" / "README.md").is_file()


def test_nested_destination_is_created(cli: Cli, standin: Path, workdir: Path) -> None:
    result = cli("new", "a/b/svc", "--template", standin, "--yes", "-q", "--no-git")
    assert result.exit_code == 0, result.output
    assert answers_of(workdir / "a/b/svc")["project_name"] == "svc"


def test_relative_template_is_recorded_absolute(
    cli: Cli, standin: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(standin.parent)
    result = cli("new", workdir / "svc", "--template", "tpl", "--yes", "-q")
    assert result.exit_code == 0, result.output
    assert answers_of(workdir / "svc")["_src_path"] == str(standin)


def test_template_under_home_is_recorded_with_tilde(
    cli: Cli, standin: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(standin.parent))
    result = cli("new", "svc", "--template", standin, "--yes", "-q")
    assert result.exit_code == 0, result.output
    assert answers_of(workdir / "svc")["_src_path"] == "~/tpl"


def test_commit_works_without_a_git_identity(
    cli: Cli, standin: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(workdir / "no-such-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
    ):
        monkeypatch.delenv(name, raising=False)
    result = cli(
        "new", "svc", "--template", standin, "--yes", "-q",
        "--author-name", "Ada", "--author-email", "ada@example.com",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    author = git(workdir / "svc", "log", "--format=%an <%ae>").strip()
    assert author == "Ada <ada@example.com>"
