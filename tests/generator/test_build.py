"""hatch_build.py: every distribution carries the template bundle, or the build says why not.

Builds run on a throwaway copy of the packaging files, so they need no commit in this checkout.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from cli_helpers import REPO_ROOT, commit_all, git

pytestmark = pytest.mark.slow

PACKAGING = ("pyproject.toml", "hatch_build.py", "copier.yml", "presets", "generator")
DATA = ("copier.yml", "template.bundle", "template.json", "presets/minimal.yml")


def _backend(project: Path, call: str) -> subprocess.CompletedProcess[str]:
    code = f"import hatchling.build as backend; print(backend.{call})"
    return subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the packaging files plus a one-file template, committed and tagged."""
    root = tmp_path / "aiapi"
    root.mkdir()
    for name in PACKAGING:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, root / name)
    (root / "template").mkdir()
    (root / "template/README.md.jinja").write_text("# {{ project_name }}\n")
    git(root, "init", "--quiet")
    commit_all(root, "release", tag="v0.1.0")
    return root


def test_sdist_carries_the_bundle_and_a_wheel_builds_from_it(project: Path, tmp_path: Path) -> None:
    sdist = _backend(project, "build_sdist('dist')")
    assert sdist.returncode == 0, sdist.stderr
    archive = project / "dist" / sdist.stdout.split()[-1]
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        tar.extractall(tmp_path / "unpacked", filter="data")
    prefix = archive.name.removesuffix(".tar.gz")
    for name in DATA:
        assert f"{prefix}/generator/aiapi/_data/{name}" in names

    unpacked = tmp_path / "unpacked" / prefix  # no .git here: the pre-built data must do
    wheel = _backend(unpacked, "build_wheel('dist')")
    assert wheel.returncode == 0, wheel.stderr
    with zipfile.ZipFile(unpacked / "dist" / wheel.stdout.split()[-1]) as zipped:
        names = zipped.namelist()
        info = json.loads(zipped.read("aiapi/_data/template.json"))
    for name in DATA:
        assert f"aiapi/_data/{name}" in names
    assert not any(name.startswith("generator/") for name in names)
    assert info == {"commit": git(project, "rev-parse", "HEAD").strip(), "describe": "v0.1.0"}


def test_bundle_clones_with_a_branch_and_tags(project: Path, tmp_path: Path) -> None:
    wheel = _backend(project, "build_wheel('dist')")
    assert wheel.returncode == 0, wheel.stderr
    with zipfile.ZipFile(project / "dist" / wheel.stdout.split()[-1]) as zipped:
        (tmp_path / "t.bundle").write_bytes(zipped.read("aiapi/_data/template.bundle"))
    subprocess.run(["git", "clone", "--quiet", tmp_path / "t.bundle", tmp_path / "c"], check=True)
    assert git(tmp_path / "c", "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert git(tmp_path / "c", "tag").split() == ["v0.1.0"]
    assert (tmp_path / "c/template/README.md.jinja").is_file()


def test_shallow_clone_fails_with_one_clear_message(project: Path, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", f"file://{project}", shallow], check=True
    )
    wheel = _backend(shallow, "build_wheel('dist')")
    assert wheel.returncode != 0
    assert "aiapi: cannot package the template:" in wheel.stderr
    assert "is a shallow clone" in wheel.stderr


def test_folder_without_git_fails_with_one_clear_message(project: Path) -> None:
    shutil.rmtree(project / ".git")
    wheel = _backend(project, "build_wheel('dist')")
    assert wheel.returncode != 0
    assert "is not a git checkout, and there is no pre-built" in wheel.stderr
