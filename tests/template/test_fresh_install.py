"""Fresh installs (with --fresh-install; they install from the package index):

- the minimal, default and production projects, each installed from scratch in its own
  virtualenv exactly as its README says (`uv run --no-active pytest ...`), pass their tests:
  a dependency the shared environment of the other template tests provides, but the project
  forgot to declare, fails here;
- the reusable workflow `.github/workflows/generate-and-test.yml` works: its `run:` steps are
  executed as GitHub would (bash -eo pipefail, the step's env and working directory, the inputs
  substituted), with this machine's PostgreSQL, pgvector and Redis standing in for its service
  containers, and `actions/checkout` emulated by a clone of this repository.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from matrix import REPO
from shells import run_shell, user_environment

pytestmark = pytest.mark.slow

WORKFLOW = REPO / ".github" / "workflows" / "generate-and-test.yml"
README_TEST = "uv run --no-active pytest --cov=app --cov-branch --cov-fail-under=90"
PRESETS = {"minimal": "minimal", "default": None, "production": "production"}


def _services(answers_vector_store: str, services: dict[str, str]) -> dict[str, str]:
    pgvector = answers_vector_store == "pgvector"
    return {
        "TEST_DATABASE_URL": services["pgvector" if pgvector else "postgres"],
        "TEST_REDIS_URL": services["redis"],
        "CHROMIUM": "/usr/bin/chromium",
    }


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_fresh_install_passes_its_tests(
    name: str, tmp_path: Path, services: dict[str, str]
) -> None:
    aiapi = Path(sys.executable).with_name("aiapi")
    preset = PRESETS[name]
    project = tmp_path / "my-api"
    command = [str(aiapi), "new", str(project), "--yes", "--quiet"]
    subprocess.run([*command, *(["--preset", preset] if preset else [])], check=True, timeout=300)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert not (project / ".venv").exists()

    uv = Path(sys.executable).with_name("uv")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "uv").symlink_to(uv)
    env = user_environment(tmp_path / "home", [bin_dir]) | _services(
        answers["vector_store"], services
    )
    assert README_TEST in (project / "README.md").read_text(), "the README's test command"
    run_shell(README_TEST, project, env)
    installed = run_shell("uv pip list --format freeze", project, env)
    assert "fastapi==" in installed  # its own .venv, made by uv from pyproject.toml alone


def _substitute(text: str, inputs: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        assert expression.startswith("inputs."), f"not emulated here: ${{{{ {expression} }}}}"
        return inputs[expression.removeprefix("inputs.")]

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def _emulate_uses(step: dict[str, Any], workspace: Path, inputs: dict[str, str]) -> None:
    action = step["uses"].split("@")[0]
    with_ = {k: _substitute(str(v), inputs) for k, v in step.get("with", {}).items()}
    if action == "actions/checkout":
        # This repository, committed work only, with its history and tags (fetch-depth: 0).
        assert with_.get("fetch-depth") == "0"
        target = workspace / with_["path"]
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(target)], check=True)
    elif action == "actions/setup-python":
        pass  # `python` on PATH is this machine's Python (3.11 here)
    else:
        pytest.fail(f"{action} is not emulated: teach this test what it does")


def test_the_reusable_workflow_generates_and_tests_a_project(
    tmp_path: Path, services: dict[str, str]
) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    trigger = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    declared = trigger["workflow_call"]["inputs"]
    inputs = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    # A team's choice: API keys, Redis, Qdrant, no Docker; the repository is this checkout.
    inputs |= {
        "aiapi-repository": str(REPO),
        "answers": "auth: api_key\ncache: redis\nvector_store: qdrant\ndocker: false\n",
    }
    (job,) = workflow["jobs"].values()

    workspace = tmp_path / "workspace"
    workspace.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    base_python = Path(getattr(sys, "_base_executable", sys.executable))
    (bin_dir / "python").symlink_to(base_python)
    env = user_environment(tmp_path / "home", [bin_dir])
    env |= {k: _substitute(str(v), inputs) for k, v in job.get("env", {}).items()}
    # This machine's servers stand in for the job's service containers.
    env |= _services("qdrant", services)

    ran = []
    for step in job["steps"]:
        if "uses" in step:
            _emulate_uses(step, workspace, inputs)
            continue
        step_env = env | {k: _substitute(str(v), inputs) for k, v in step.get("env", {}).items()}
        cwd = workspace / step.get("working-directory", ".")
        run_shell(_substitute(step["run"], inputs), cwd, step_env)
        ran.append(step["name"])
    assert ran[-1] == "Lint, type-check and test"
    answers = yaml.safe_load((workspace / "project" / ".copier-answers.yml").read_text())
    assert (answers["auth"], answers["cache"], answers["vector_store"]) == (
        "api_key",
        "redis",
        "qdrant",
    )
    assert not (workspace / "project" / "Dockerfile").exists()
    shutil.rmtree(workspace / "project" / ".venv", ignore_errors=True)
