"""Ctrl-C and crashes never leave half a project; prompts work in a real terminal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pexpect
import pytest
from copier._main import Worker

from cli_helpers import CLEAR_LINE, DOWN, Cli, answers_of, spawn


def _fail_after(monkeypatch: pytest.MonkeyPatch, files: int, error: BaseException) -> list[Path]:
    """Make Copier's renderer raise `error` after it has written `files` files."""
    written: list[Path] = []
    render: Callable[..., Any] = Worker._render_file

    def rendering(self: Worker, src_relpath: Path, dst_relpath: Path, *args: Any, **kw: Any) -> Any:
        if len(written) >= files:
            raise error
        result = render(self, src_relpath, dst_relpath, *args, **kw)
        written.append(dst_relpath)
        return result

    monkeypatch.setattr(Worker, "_render_file", rendering)
    return written


@pytest.mark.parametrize("existing", [False, True], ids=["new-folder", "existing-empty-folder"])
def test_ctrl_c_mid_generation_leaves_nothing(
    cli: Cli, standin: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    dest = workdir / "svc"
    if existing:
        dest.mkdir()
        mtime = dest.stat().st_mtime_ns
    written = _fail_after(monkeypatch, 3, KeyboardInterrupt())
    result = cli("new", "svc", "--template", standin, "--yes")
    assert len(written) == 3  # files were on disk when the interrupt came
    assert result.exit_code == 130
    assert result.stderr.strip() == "Error: aborted; nothing was created"
    if existing:
        assert not any(dest.iterdir())
        assert dest.stat().st_mtime_ns == mtime
    else:
        assert not dest.exists()


def test_crash_mid_generation_in_existing_folder_leaves_it_empty(
    cli: Cli, standin: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copier cleans up only folders it created; aiapi also empties a pre-existing one."""
    dest = workdir / "svc"
    dest.mkdir()
    _fail_after(monkeypatch, 2, RuntimeError("disk on fire"))
    result = cli("new", "svc", "--template", standin, "--yes")
    assert isinstance(result.exception, RuntimeError)  # a bug stays visible, with its traceback
    assert not any(dest.iterdir())


def test_prompts_in_a_terminal(standin: Path, workdir: Path) -> None:
    """Copier asks what flags did not answer: a text, a choice and a yes/no question."""
    child = spawn(
        "new", "svc", "--template", standin, "--no-git",
        "--description", "d", "--author-name", "a", "--author-email", "a@example.com",
        "--python-version", "3.12", "--llm-provider", "openai", "--auth", "jwt",
        "--database", "sqlite", "--vector-store", "none", "--ci", "none",
        cwd=workdir,
    )  # fmt: skip
    child.expect("Project name")
    child.send(CLEAR_LINE + "My Service\r")
    child.expect("Cache for AI responses")
    child.send(DOWN + "\r")  # memory -> Redis
    child.expect("Add a Dockerfile")
    child.send("n")
    child.expect("Next steps")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    recorded = answers_of(workdir / "svc")
    assert recorded["project_name"] == "My Service"
    assert recorded["cache"] == "redis"
    assert recorded["docker"] is False
    assert (workdir / "svc" / "app/cache/redis.py").is_file()


@pytest.mark.parametrize("existing", [False, True], ids=["new-folder", "existing-empty-folder"])
def test_ctrl_c_at_a_prompt_leaves_nothing(standin: Path, workdir: Path, existing: bool) -> None:
    dest = workdir / "svc"
    if existing:
        dest.mkdir()
    child = spawn("new", "svc", "--template", standin, "--auth", "none", cwd=workdir)
    child.expect("Project name")
    child.sendintr()
    child.expect("Error: aborted; nothing was created")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
    if existing:
        assert not any(dest.iterdir())
    else:
        assert not dest.exists()
