"""Fixtures for the CLI tests (helpers live in cli_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aiapi import packaged, questions
from cli_helpers import Cli, make_template


@pytest.fixture(autouse=True)
def aiapi_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own template store; none touches the real one."""
    home = tmp_path / "aiapi-home"
    monkeypatch.setenv("AIAPI_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only stand-in template repo tagged v1.0.0 (tests that change it make their own)."""
    return make_template(tmp_path_factory.mktemp("standin") / "tpl")


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current folder to generate into."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def packaged_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the installed aiapi at a data folder the test fills (a fake newer wheel)."""
    data = tmp_path / "data"
    monkeypatch.setattr(packaged, "DATA_DIR", data)
    caches = (packaged.packaged_data, packaged.packaged_template, questions.template_config)
    for cached in caches:
        cached.cache_clear()
    yield data
    for cached in caches:
        cached.cache_clear()
