"""Help, version and `options`: the read-only surface, built from copier.yml."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import aiapi
from aiapi.questions import load_yaml, template_config
from cli_helpers import (
    AIAPI_EXE,
    NARROW,
    PACKAGED,
    PACKAGED_TEMPLATE,
    WIDE,
    Cli,
    assert_options_fit_80_columns,
    installed_from_site_packages,
)


def test_runs_from_the_installed_package_not_the_checkout() -> None:
    assert installed_from_site_packages(), aiapi.__file__
    assert PACKAGED.checkout is None
    assert PACKAGED_TEMPLATE is not None, "the wheel must carry aiapi/_data/template.bundle"
    assert PACKAGED_TEMPLATE.bundle.is_file()


def test_help_lists_the_commands(cli: Cli) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("new", "update", "options"):
        assert command in result.stdout


def test_no_arguments_shows_help(cli: Cli) -> None:
    result = cli()
    assert "Usage" in result.output
    assert "new" in result.output


def test_new_help_has_one_option_per_question_with_choices_and_default(cli: Cli) -> None:
    result = cli("new", "--help")
    assert result.exit_code == 0
    raw = load_yaml(PACKAGED.copier_yml)
    for key, spec in raw.items():
        if key.startswith("_"):
            continue
        option = "--" + key.replace("_", "-")
        if spec.get("when") is False:
            assert option not in result.stdout  # computed: not a flag
            continue
        assert option in result.stdout
        if "choices" in spec:
            assert "[" + "|".join(str(v) for v in spec["choices"].values()) + "]" in result.stdout
    assert "--docker" in result.stdout
    assert "--no-docker" in result.stdout
    assert "default: memory" in result.stdout
    for option in ("--preset", "--answers", "--data", "--yes", "--no-git", "--template"):
        assert option in result.stdout


def test_update_help_has_the_question_flags_too(cli: Cli) -> None:
    result = cli("update", "--help")
    assert result.exit_code == 0
    for option in ("--cache", "--vector-store", "--data", "--yes", "--conflict", "--vcs-ref"):
        assert option in result.stdout


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"aiapi {aiapi.__version__} (template ")


def test_options_json_lists_every_question_and_preset(cli: Cli) -> None:
    result = cli("options", "--json")
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    config = template_config()
    assert [q["key"] for q in listed["questions"]] == [q.key for q in config.askable]
    cache = next(q for q in listed["questions"] if q["key"] == "cache")
    assert cache["type"] == "str"
    assert cache["default"] == "memory"
    assert {"label": "Redis", "value": "redis"} in cache["choices"]
    python = next(q for q in listed["questions"] if q["key"] == "python_version")
    assert all(isinstance(c["value"], str) for c in python["choices"])  # "3.12", not 3.12
    assert set(listed["presets"]) == {"minimal", "full", "production"}
    assert listed["presets"]["minimal"]["answers"] == {
        "auth": "none",
        "cache": "none",
        "vector_store": "none",
        "docker": False,
    }


def test_options_table(cli: Cli) -> None:
    result = cli("options")
    assert result.exit_code == 0
    for text in ("--vector-store", "sqlite_vec", "pgvector (needs PostgreSQL)", "production"):
        assert text in result.stdout


@pytest.mark.parametrize("command", [[], ["new"], ["update"], ["options"]], ids=" ".join)
def test_flags_have_no_value_placeholder_in_help(cli: Cli, command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.stdout
    assert re.search(r"--help\s+Show this message", result.stdout)
    if command in (["new"], ["update"]):
        assert re.search(r"--yes\s+-y\s+Do not ask", result.stdout)
        assert re.search(r"--quiet\s+-q\s+Print errors only", result.stdout)
        assert re.search(r"--docker\s+--no-docker\s+Add a Dockerfile", result.stdout)
        assert re.search(r"--cache\s+\[memory\|redis\|none\]", result.stdout)  # values keep theirs


def test_options_fit_an_80_column_terminal() -> None:
    result = Cli(env=NARROW)("options")
    assert result.exit_code == 0, result.output
    assert_options_fit_80_columns(result.stdout, template_config())


def test_installed_options_fit_an_80_column_terminal() -> None:
    result = subprocess.run(
        [AIAPI_EXE, "options"],
        capture_output=True,
        text=True,
        env={**os.environ, **NARROW},
        check=True,
    )
    assert_options_fit_80_columns(result.stdout, template_config())


def test_installed_entry_point_help_runs_without_importing_copier() -> None:
    result = subprocess.run(
        [AIAPI_EXE, "--help"], capture_output=True, text=True, env=WIDE | {"PATH": ""}
    )
    assert result.returncode == 0, result.stderr
    assert "new" in result.stdout
    probe = (
        "import sys, aiapi.cli; "
        "print(sorted(m for m in ('copier', 'questionary', 'yaml', 'jinja2') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"


READ_ONLY = [
    ["--help"],
    ["--version"],
    ["options"],
    ["options", "--json"],
    ["new", "--help"],
    ["update", "--help"],
]


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_read_only_commands_leave_the_template_store_alone(
    cli: Cli, aiapi_home: Path, args: list[str]
) -> None:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert not aiapi_home.exists()


def test_installed_read_only_commands_write_nothing_under_home(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"AIAPI_HOME", "XDG_DATA_HOME"}}
    env.update(HOME=str(tmp_path), **WIDE)
    for args in READ_ONLY:
        result = subprocess.run(
            [AIAPI_EXE, *args], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
