"""The template store: history accumulates across aiapi versions, concurrent runs are safe."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aiapi import packaged, store
from cli_helpers import PACKAGED, Cli, answers_of, commit_all, git, make_template


def make_bundle(repo: Path, out: Path) -> str:
    """Bundle a template repo the way hatch_build.py does; return the commit."""
    branch = git(repo, "symbolic-ref", "--short", "HEAD").strip()
    git(repo, "bundle", "create", str(out), "HEAD", branch, "--tags")
    return git(repo, "rev-parse", "HEAD").strip()


def fill_data(data: Path, repo: Path) -> str:
    """Lay out aiapi/_data/ as a wheel of `repo`'s HEAD would carry it."""
    if data.exists():
        shutil.rmtree(data)
    data.mkdir()
    shutil.copy(repo / "copier.yml", data / "copier.yml")
    shutil.copytree(PACKAGED.presets_dir, data / "presets")
    commit = make_bundle(repo, data / "template.bundle")
    describe = git(repo, "describe", "--tags", "--always").strip()
    (data / "template.json").write_text(json.dumps({"commit": commit, "describe": describe}))
    return commit


def evolve(repo: Path, tag: str) -> None:
    (repo / "template/CHANGELOG.md").write_text(f"{tag}\n")
    commit_all(repo, tag, tag=tag)


def test_refresh_fetches_each_bundle_once_and_keeps_old_ones(
    tmp_path: Path, aiapi_home: Path
) -> None:
    repo = make_template(tmp_path / "tpl")
    first = make_bundle(repo, tmp_path / "v1.bundle")
    store_repo = store.refresh(tmp_path / "v1.bundle", first)
    assert store_repo == aiapi_home / "template"
    assert git(store_repo, "rev-parse", "HEAD").strip() == first
    fetched = (store_repo / ".git/FETCH_HEAD").stat().st_mtime_ns

    store.refresh(tmp_path / "v1.bundle", first)  # same bundle: nothing to do
    assert (store_repo / ".git/FETCH_HEAD").stat().st_mtime_ns == fetched

    evolve(repo, "v2.0.0")
    second = make_bundle(repo, tmp_path / "v2.bundle")
    store.refresh(tmp_path / "v2.bundle", second)
    branches = git(store_repo, "for-each-ref", "--format=%(refname)", "refs/heads/aiapi").split()
    assert branches == sorted([f"refs/heads/aiapi/{first}", f"refs/heads/aiapi/{second}"])
    assert git(store_repo, "tag").split() == ["v1.0.0", "v2.0.0"]
    assert git(store_repo, "rev-parse", "HEAD").strip() == second
    stamp = (aiapi_home / "template.bundle.sha256").read_text().strip()
    assert len(stamp) == 64


def test_a_broken_store_is_recreated(tmp_path: Path, aiapi_home: Path) -> None:
    repo = make_template(tmp_path / "tpl")
    commit = make_bundle(repo, tmp_path / "t.bundle")
    (aiapi_home / "template").mkdir(parents=True)  # e.g. an interrupted first run
    store.refresh(tmp_path / "t.bundle", commit)
    assert git(aiapi_home / "template", "rev-parse", "HEAD").strip() == commit


def test_concurrent_runs_do_not_corrupt_the_store(tmp_path: Path, aiapi_home: Path) -> None:
    repo = make_template(tmp_path / "tpl")
    commit = make_bundle(repo, tmp_path / "t.bundle")
    code = (
        "import sys; from pathlib import Path; from aiapi.store import refresh; "
        "refresh(Path(sys.argv[1]), sys.argv[2])"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "t.bundle"), commit])
        for _ in range(6)
    ]
    assert [run.wait(timeout=60) for run in runs] == [0] * 6
    git(aiapi_home / "template", "fsck", "--no-progress")
    assert git(aiapi_home / "template", "rev-parse", "HEAD").strip() == commit
    assert not list(aiapi_home.glob(".template.*"))  # no scratch repo left behind


def test_portable_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert store.portable_path(tmp_path / "a" / "b.git") == "~/a/b.git"
    assert store.portable_path(Path("/opt/x.git")) == "/opt/x.git"


def test_store_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIAPI_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert store.store_path() == tmp_path / ".local/share/aiapi/template"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert store.store_path() == tmp_path / "xdg/aiapi/template"
    assert store.is_store(str(tmp_path / "xdg/aiapi/template"))
    assert not store.is_store("https://example.com/aiapi.git")


def test_new_then_update_after_upgrading_aiapi(
    cli: Cli,
    tmp_path: Path,
    workdir: Path,
    packaged_data: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A project made by one aiapi version updates with the next: the store kept v1."""
    monkeypatch.delenv("AIAPI_HOME")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    repo = make_template(tmp_path / "tpl")
    fill_data(packaged_data, repo)

    result = cli("new", "svc", "--yes", "-q", "--cache", "memory")
    assert result.exit_code == 0, result.output
    project = workdir / "svc"
    recorded = answers_of(project)
    assert recorded["_src_path"] == "~/.local/share/aiapi/template"
    assert recorded["_commit"] == "v1.0.0"
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "My own notes.\n")
    commit_all(project, "user edit")

    evolve(repo, "v2.0.0")  # "pip install -U aiapi": a new wheel, a new bundle
    fill_data(packaged_data, repo)
    packaged.packaged_template.cache_clear()

    result = cli("update", project, "--yes", "--data", "cache=redis")
    assert result.exit_code == 0, result.output
    assert (project / "CHANGELOG.md").read_text() == "v2.0.0\n"
    assert readme.read_text().endswith("My own notes.\n")
    assert (project / "app/cache/redis.py").is_file()
    assert not (project / "app/cache/memory.py").exists()
    assert answers_of(project)["_commit"] == "v2.0.0"
    version = cli("--version")
    assert "(template v2.0.0)" in version.stdout
