"""The few git operations aiapi runs itself (Copier runs its own)."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(Exception):
    """A git command failed; the message is git's last line of stderr."""


def git(cwd: Path, *args: str, config: dict[str, str] | None = None) -> str:
    options = [part for k, v in (config or {}).items() for part in ("-c", f"{k}={v}")]
    try:
        result = subprocess.run(
            ["git", *options, *args], cwd=cwd, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or [f"exit code {result.returncode}"]
        raise GitError(f"git {args[0]}: {lines[-1]}")
    return result.stdout


def is_work_tree(path: Path) -> bool:
    try:
        return git(path, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except GitError:
        return False


def status(path: Path) -> list[tuple[str, str]]:
    """(XY code, path relative to the repository's top) of every uncommitted change.

    Untracked files are included (`??`): Copier counts them as changes.
    """
    out = git(path, "status", "--porcelain", "--untracked-files=all", "-z")
    entries: list[tuple[str, str]] = []
    skip_next = False
    for entry in out.split("\0"):
        if skip_next or not entry:
            skip_next = False
            continue
        code, name = entry[:2], entry[3:]
        if "R" in code or "C" in code:
            skip_next = True  # the original name of a rename follows
        entries.append((code, name))
    return entries


def changed_paths(path: Path) -> list[str]:
    """Repository paths with uncommitted changes, untracked ones included (Copier counts them)."""
    return [name for _, name in status(path)]


def ever_committed(path: Path, name: str) -> bool:
    """Whether `name` (relative to the repository's top) is in the history of HEAD."""
    return bool(git(path, "rev-list", "-1", "HEAD", "--", f":/{name}").strip())


def _identity(path: Path, name: str, email: str) -> dict[str, str]:
    """Use the answers as committer identity only when git has none configured."""
    try:
        git(path, "config", "user.email")
        git(path, "config", "user.name")
    except GitError:
        return {"user.name": name, "user.email": email}
    return {}


def init_and_commit(path: Path, message: str, *, name: str, email: str) -> None:
    git(path, "init", "--quiet")
    git(path, "add", "--all")
    git(
        path,
        "commit",
        "--quiet",
        "--no-verify",
        "--no-gpg-sign",
        "--message",
        message,
        config=_identity(path, name, email),
    )


def commit_files(path: Path, names: list[str], message: str, *, name: str, email: str) -> None:
    """Commit these files (relative to the top) and nothing else, with the user's own hooks."""
    pathspecs = [f":/{n}" for n in names]
    git(path, "add", "--", *pathspecs)
    git(
        path,
        "commit",
        "--quiet",
        "--message",
        message,
        "--",
        *pathspecs,
        config=_identity(path, name, email),
    )


def reset_to_head(path: Path) -> None:
    """Undo a failed update: the tree was clean before it, so nothing of the user's is lost."""
    git(path, "reset", "--quiet", "--hard", "HEAD")
    git(path, "clean", "--quiet", "-d", "--force", "--", ".")
