"""The real template, as the installed wheel carries it: plain Copier and aiapi agree.

A wheel whose bundle lacks template/ fails here (never a skip): it could create no project.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aiapi.questions import load_yaml
from cli_helpers import (
    AIAPI_EXE,
    LOCK_MESSAGE,
    PACKAGED,
    PACKAGED_TEMPLATE,
    UV_LOCK,
    WIDE,
    Cli,
    answers_of,
    git,
    tree,
)

COPIER_EXE = Path(sys.executable).with_name("copier")
ANSWERS_FILE = ".copier-answers.yml"


@pytest.fixture(scope="session")
def tagged_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bare clone of the packaged bundle with a release tag on the packaged commit."""
    packaged = PACKAGED_TEMPLATE
    assert packaged is not None
    clone = tmp_path_factory.mktemp("real") / "aiapi.git"
    subprocess.run(
        ["git", "clone", "--quiet", "--bare", str(packaged.bundle), str(clone)], check=True
    )
    files = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", packaged.commit, "template/"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert files, f"the wheel's template bundle (commit {packaged.commit}) has no template/ files"
    subprocess.run(["git", "tag", "v999.0.0", packaged.commit], cwd=clone, check=True)
    return clone


def test_the_wheel_carries_the_whole_template(tagged_clone: Path) -> None:
    """What every generated project is made of is in the bundle the wheel ships."""
    packaged = PACKAGED_TEMPLATE
    assert packaged is not None
    listed = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", packaged.commit],
        cwd=tagged_clone,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "copier.yml" in listed
    for folder in ("template/app/", "template/tests/", "template/migrations/"):
        assert any(name.startswith(folder) for name in listed), f"no {folder} in the bundle"
    assert "template/pyproject.toml.jinja" in listed


PRESET_CASES = ["defaults", "minimal", "production"]
REDIS_DEPENDENCY = re.compile(r"[\"']redis\b")


def _public(answers: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answers.items() if not k.startswith("_")}


def _as_data(key: str, value: object) -> list[str]:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return ["--data", f"{key}={text}"]


@pytest.mark.slow
@pytest.mark.parametrize("case", PRESET_CASES)
def test_copier_copy_and_aiapi_new_make_the_same_tree(
    cli: Cli, tagged_clone: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    data: list[str] = []
    aiapi_args: list[str] = []
    if case != "defaults":
        preset = load_yaml(PACKAGED.presets_dir / f"{case}.yml")
        for key, value in preset.items():
            if not key.startswith("_"):
                data += _as_data(key, value)
        aiapi_args = ["--preset", case]
    by_copier = tmp_path / "copier" / "demo"
    by_aiapi = tmp_path / "aiapi" / "demo"
    copied = subprocess.run(
        [COPIER_EXE, "copy", "--trust", "--defaults", "--quiet", *data, tagged_clone, by_copier],
        capture_output=True,
        text=True,
    )
    assert copied.returncode == 0, copied.stderr
    monkeypatch.chdir(tmp_path)
    result = cli("new", by_aiapi, "--yes", "--no-git", "-q", *aiapi_args)
    assert result.exit_code == 0, result.output

    copier_tree, aiapi_tree = tree(by_copier), tree(by_aiapi)
    copier_tree.pop(ANSWERS_FILE), aiapi_tree.pop(ANSWERS_FILE)
    assert sorted(aiapi_tree) == sorted(copier_tree)
    assert aiapi_tree == copier_tree
    assert _public(answers_of(by_aiapi)) == _public(answers_of(by_copier))


Run = Callable[..., subprocess.CompletedProcess[str]]


def installed_aiapi(tmp_path: Path) -> Run:
    """The installed entry point, run in tmp_path with tmp_path/home as the home folder."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"AIAPI_HOME", "XDG_DATA_HOME"}}
    env.update(HOME=str(home), **WIDE)

    def aiapi(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [AIAPI_EXE, *args], cwd=tmp_path, env=env, capture_output=True, text=True
        )

    return aiapi


@pytest.mark.slow
def test_store_end_to_end_with_the_installed_entry_point(
    tagged_clone: Path, tmp_path: Path
) -> None:
    """`aiapi new` records the store as `~/...`, and `aiapi update` changes an answer."""
    home = tmp_path / "home"
    aiapi = installed_aiapi(tmp_path)
    made = aiapi("new", "demo", "--yes", "--cache", "memory")
    assert made.returncode == 0, made.stderr
    project = tmp_path / "demo"
    recorded = answers_of(project)
    packaged = PACKAGED_TEMPLATE
    assert packaged is not None
    assert recorded["_src_path"] == "~/.local/share/aiapi/template"
    assert recorded["_commit"] == packaged.describe
    assert (home / ".local/share/aiapi/template/.git").is_dir()
    before = (project / "pyproject.toml").read_text()

    updated = aiapi("update", "demo", "--data", "cache=redis", "--yes")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert answers_of(project)["cache"] == "redis"
    after = (project / "pyproject.toml").read_text()
    assert not REDIS_DEPENDENCY.search(before)
    assert REDIS_DEPENDENCY.search(after)
    assert "pyproject.toml" in updated.stdout


@pytest.mark.slow
def test_update_after_following_the_generated_readme(tagged_clone: Path, tmp_path: Path) -> None:
    """The README's `uv run ...` writes uv.lock; `aiapi update` commits it and updates."""
    aiapi = installed_aiapi(tmp_path)
    made = aiapi("new", "demo", "--yes", "--cache", "memory")
    assert made.returncode == 0, made.stderr
    project = tmp_path / "demo"
    assert "uv run --no-active uvicorn" in (project / "README.md").read_text()  # writes uv.lock
    head = git(project, "rev-parse", "HEAD").strip()
    (project / "uv.lock").write_text(UV_LOCK)  # as `uv run` leaves it: untracked
    assert git(project, "status", "--porcelain") == "?? uv.lock\n"

    updated = aiapi("update", "demo", "--yes", "--data", "cache=redis")

    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "committed uv.lock" in updated.stdout
    assert (project / "uv.lock").read_text() == UV_LOCK
    assert git(project, "log", "-1", "--format=%s").strip() == LOCK_MESSAGE
    assert git(project, "rev-parse", "HEAD~1").strip() == head
    assert git(project, "ls-files", "uv.lock").strip() == "uv.lock"
    assert answers_of(project)["cache"] == "redis"
    assert REDIS_DEPENDENCY.search((project / "pyproject.toml").read_text())
    assert "uv.lock" not in git(project, "status", "--porcelain")
