"""Package the template with the CLI so `aiapi` can generate and update offline.

A wheel cannot update projects from a plain folder (Copier needs git history to find the
old template version), so every distribution carries, under `aiapi/_data/`:

- `copier.yml`      the questions, taken from HEAD so they match the bundle;
- `presets/*.yml`   named answer sets;
- `template.bundle` a git bundle of this repository (HEAD, a `main` branch and all tags);
- `template.json`   the packaged commit sha and `git describe --tags --always`.

The sdist carries the same files under `generator/aiapi/_data/`, so a wheel can be built
from it without git history. Anything else (a shallow clone, a folder without git, a
repository without commits) fails the build with one message that says what to do.
"""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DATA_FILES = ("copier.yml", "questions.json", "template.bundle", "template.json")
PREBUILT_DIR = Path("generator", "aiapi", "_data")
BRANCH = "main"


class TemplateBuildError(Exception):
    """The template cannot be packaged; the message says why and what to do."""


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        raise TemplateBuildError(
            f"`git {' '.join(args)}` failed in {cwd}: {detail[-1] if detail else result.returncode}"
        )
    return result.stdout.strip()


def _checkout_problem(root: Path) -> str | None:
    """Say why `root` cannot be bundled from git, or None when it can."""
    if shutil.which("git") is None:
        return "git is not installed"
    try:
        top = _git(root, "rev-parse", "--show-toplevel")
    except TemplateBuildError:
        return f"{root} is not a git checkout"
    if Path(top).resolve() != root.resolve():
        return f"{root} is not the top of a git checkout (that is {top})"
    if _git(root, "rev-parse", "--is-shallow-repository") == "true":
        return f"{root} is a shallow clone (run `git fetch --unshallow --tags` first)"
    try:
        _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except TemplateBuildError:
        return f"{root} has no commits yet (commit the template first)"
    return None


def build_from_git(root: Path, out: Path) -> list[str]:
    """Write the data files for HEAD of the repository at `root` into `out`.

    Returns warnings (uncommitted template changes are not packaged).
    """
    sha = _git(root, "rev-parse", "HEAD")
    describe = _git(root, "describe", "--tags", "--always", "HEAD")
    # Bundle from a scratch bare repository so the bundle always holds a branch (clones of a
    # detached HEAD have none) and this checkout's refs are never touched.
    scratch = out / "scratch.git"
    _git(out, "init", "--quiet", "--bare", str(scratch))
    _git(
        scratch,
        "fetch",
        "--quiet",
        "--no-tags",
        str(root.resolve()),
        f"+HEAD:refs/heads/{BRANCH}",
        "+refs/tags/*:refs/tags/*",
    )
    _git(scratch, "symbolic-ref", "HEAD", f"refs/heads/{BRANCH}")
    _git(scratch, "bundle", "create", str(out / "template.bundle"), "HEAD", BRANCH, "--tags")
    shutil.rmtree(scratch)
    copier_yml = _git(root, "show", "HEAD:copier.yml") + "\n"
    (out / "copier.yml").write_text(copier_yml, encoding="utf-8")
    # The same questions as JSON: the CLI reads them without importing PyYAML.
    questions = yaml.safe_load(copier_yml)
    (out / "questions.json").write_text(json.dumps(questions, indent=1) + "\n", encoding="utf-8")
    (out / "template.json").write_text(
        json.dumps({"commit": sha, "describe": describe}, indent=2) + "\n", encoding="utf-8"
    )
    presets = out / "presets"
    presets.mkdir()
    for preset in sorted((root / "presets").glob("*.yml")):
        shutil.copy2(preset, presets / preset.name)
    dirty = _git(root, "status", "--porcelain", "--", "copier.yml", "template")
    if dirty:
        return [
            "uncommitted changes in copier.yml or template/ are not packaged "
            f"(the bundle holds commit {sha[:12]}); commit them and rebuild"
        ]
    return []


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Add `aiapi/_data/` to wheels and `generator/aiapi/_data/` to sdists."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name == "wheel" and version == "editable":
            return  # an editable install reads copier.yml and the checkout directly
        root = Path(self.root)
        source = self._data_source(root)
        prefix = "aiapi/_data" if self.target_name == "wheel" else PREBUILT_DIR.as_posix()
        force_include: dict[str, str] = build_data.setdefault("force_include", {})
        for path in sorted(source.rglob("*")):
            if path.is_file():
                force_include[str(path)] = f"{prefix}/{path.relative_to(source).as_posix()}"

    def _data_source(self, root: Path) -> Path:
        """A fresh bundle from git when possible, else the sdist's pre-built data."""
        problem = _checkout_problem(root)
        if problem is None:
            scratch = Path(tempfile.mkdtemp(prefix="aiapi-build-"))
            # At exit, not in finalize(): hatchling skips finalize() when it only wants metadata.
            atexit.register(shutil.rmtree, scratch, ignore_errors=True)
            try:
                warnings = build_from_git(root, scratch)
            except TemplateBuildError as error:
                raise RuntimeError(f"aiapi: cannot package the template: {error}") from None
            for warning in warnings:
                self.app.display_warning(f"aiapi: {warning}")
            return scratch
        prebuilt = root / PREBUILT_DIR
        if all((prebuilt / name).is_file() for name in DATA_FILES):
            return prebuilt
        raise RuntimeError(
            f"aiapi: cannot package the template: {problem}, and there is no pre-built "
            f"{PREBUILT_DIR.as_posix()}/template.bundle. Build from a full (non-shallow) git "
            "clone with at least one commit, or from the aiapi sdist."
        )
