"""Helpers for the CLI tests, which run against the INSTALLED aiapi (`pip install .`).

(A uniquely named module: pytest re-imports every `conftest`, so tests cannot import one.)
Most tests generate from a tiny stand-in template (the packaged copier.yml plus a few files
that switch on the answers), so they stay fast and do not depend on template/ being done.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pexpect
import typer
import yaml
from typer.testing import CliRunner, Result

import aiapi
from aiapi import packaged
from aiapi.cli import app, build_app
from aiapi.packaged import packaged_data
from aiapi.presets import all_presets
from aiapi.questions import TemplateConfig, load_yaml, parse_config

REPO_ROOT = Path(__file__).resolve().parents[2]
AIAPI_EXE = Path(sys.executable).with_name("aiapi")
GIT_IDENTITY = ("-c", "user.name=Test", "-c", "user.email=test@example.com")
WIDE = {"COLUMNS": "200", "TERMINAL_WIDTH": "200", "NO_COLOR": "1"}
# Read before any test points aiapi at other data (see `packaged_data`).
PACKAGED = packaged.packaged_data()
PACKAGED_TEMPLATE = packaged.packaged_template()

# The stand-in template: the same questions, a few files that depend on the answers.
STANDIN_FILES = {
    "{{ _copier_conf.answers_file }}.jinja": (
        "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"
        "{{ _copier_answers|to_nice_yaml -}}\n"
    ),
    "README.md.jinja": "# {{ project_name }}\n\n{{ description }}\n\nUser notes go below.\n",
    "pyproject.toml.jinja": (
        '[project]\nname = "{{ project_slug }}"\ndependencies = [\n  "fastapi",\n'
        '{%- if cache == "redis" %}\n  "redis",\n{%- endif %}\n'
        '{%- if vector_store == "qdrant" %}\n  "qdrant-client",\n{%- endif %}\n]\n'
    ),
    "app/__init__.py": "",
    "app/cache/{% if cache == 'redis' %}redis.py{% endif %}": 'BACKEND = "redis"\n',
    "app/cache/{% if cache == 'memory' %}memory.py{% endif %}": 'BACKEND = "memory"\n',
    "app/{% if vector_store != 'none' %}knowledge{% endif %}/ingest.py": "CHUNK = 800\n",
    "{% if docker %}Dockerfile{% endif %}.jinja": "FROM python:{{ python_version }}-slim\n",
}


# A question asked only when an earlier answer allows it, and files that show its value.
CONDITIONAL_QUESTION = """
qdrant_url:
  type: str
  help: URL of the Qdrant server
  default: http://localhost:6333
  when: "{{ vector_store == 'qdrant' }}"
"""
CONDITIONAL_FILES = {
    "{% if vector_store == 'qdrant' %}qdrant.env{% endif %}.jinja": "QDRANT_URL={{ qdrant_url }}\n",
    # Rendered whatever the answers: shows a value that reached Copier for nothing.
    "seen.txt.jinja": "qdrant_url={{ qdrant_url }}\n",
}

# What `uv run` writes beside pyproject.toml, minus any package index (no dependencies here).
UV_LOCK = 'version = 1\nrevision = 3\nrequires-python = ">=3.11"\n\n[[package]]\nname = "svc"\n'
LOCK_MESSAGE = "Add uv.lock, written by `uv run` (committed by aiapi update)"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def commit_all(repo: Path, message: str, tag: str | None = None) -> str:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-gpg-sign", "-m", message)
    if tag:
        git(repo, "tag", tag)
    return git(repo, "rev-parse", "HEAD").strip()


def make_template(
    repo: Path,
    tag: str | None = "v1.0.0",
    *,
    extra_questions: str = "",
    files: Mapping[str, str] | None = None,
) -> Path:
    """A git repository holding the packaged copier.yml and the stand-in files (plus extras)."""
    (repo / "template").mkdir(parents=True)
    (repo / "copier.yml").write_text(
        PACKAGED.copier_yml.read_text(encoding="utf-8") + extra_questions, encoding="utf-8"
    )
    for name, content in {**STANDIN_FILES, **(files or {})}.items():
        path = repo / "template" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    git(repo, "init", "--quiet")
    commit_all(repo, "v1", tag)
    return repo


def make_conditional_template(repo: Path) -> Path:
    return make_template(repo, extra_questions=CONDITIONAL_QUESTION, files=CONDITIONAL_FILES)


def config_of(template: Path) -> TemplateConfig:
    return parse_config(load_yaml(template / "copier.yml"))


def cli_for(template: Path, env: dict[str, str] = WIDE) -> Cli:
    """The CLI as aiapi would build it had `template`'s copier.yml been packaged."""
    return Cli(build_app(config_of(template)), env)


def answers_of(project: Path) -> dict[str, Any]:
    data = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root (outside .git) with its content."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def one_error_line(result: Result) -> str:
    """The whole of stderr, asserted to be one `Error: ...` line and no traceback."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


NARROW = {"COLUMNS": "80", "TERMINAL_WIDTH": "80", "NO_COLOR": "1"}


def _words(text: str) -> str:
    return " ".join(text.split())


def assert_options_fit_80_columns(output: str, config: TemplateConfig) -> None:
    """No line over 80 columns, nothing cut short: every word of every field is there."""
    lines = output.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert "\u2026" not in output  # Rich's ellipsis for cut text
    shown = _words(output)
    for q in config.askable:
        assert re.search(rf"^{re.escape(q.option)}\b", output, re.MULTILINE), q.option
        assert _words(q.help) in shown, q.key
        if q.condition is not None:
            assert _words(f"asked only when: {q.condition}") in shown, q.key
        if q.default_text is not None:
            assert _words(f"default: {q.default_text}") in shown, q.key
        for choice in q.choices or ():
            value = str(choice.value)
            expected = value if choice.label == value else f"{value} {choice.label}"
            assert _words(expected) in shown, (q.key, expected)
    for preset in all_presets(config, packaged_data().presets_dir):
        assert _words(f"{preset.name} {preset.description}") in shown
        for key, value in preset.answers.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            assert f"{key}={text}" in shown


class Cli:
    """Invoke the Typer app in-process, the way CliRunner tests should.

    `app` defaults to the CLI of the packaged copier.yml; `env` to a wide terminal.
    """

    def __init__(self, app: typer.Typer = app, env: dict[str, str] = WIDE) -> None:
        self.runner = CliRunner()
        self.app = app
        self.env = env

    def __call__(self, *args: str | Path, input: str | None = None) -> Result:
        return self.runner.invoke(self.app, [str(a) for a in args], input=input, env=self.env)


DOWN = "\x1b[B"
CLEAR_LINE = "\x15"  # Ctrl-U
# Runs the installed aiapi with the questions of another copier.yml (argv[1]).
_WITH_QUESTIONS = (
    "import sys; from pathlib import Path; from aiapi.cli import build_app; "
    "from aiapi.questions import load_yaml, parse_config; "
    "build_app(parse_config(load_yaml(Path(sys.argv[1]))))(sys.argv[2:], prog_name='aiapi')"
)


def spawn(*args: str | Path, cwd: Path, questions_of: Path | None = None) -> pexpect.spawn:
    """The installed aiapi in a pseudo-terminal; `questions_of` a template to take them from."""
    # No cursor-position request: pexpect never answers one, and prompt_toolkit waits for it.
    env = {**os.environ, **WIDE, "PROMPT_TOOLKIT_NO_CPR": "1"}
    argv = [str(a) for a in args]
    if questions_of is None:
        command = str(AIAPI_EXE)
    else:
        command = sys.executable
        argv = ["-c", _WITH_QUESTIONS, str(questions_of / "copier.yml"), *argv]
    return pexpect.spawn(
        command, argv, cwd=str(cwd), env=env, encoding="utf-8", timeout=30, dimensions=(40, 200)
    )


def installed_from_site_packages() -> bool:
    return REPO_ROOT / "generator" not in Path(aiapi.__file__).resolve().parents


def env_without_git_identity(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(home / "no-gitconfig"), **WIDE)
    return env
