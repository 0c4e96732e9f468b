"""The template store: one git repository that accumulates every packaged template.

Copier can only update a project when it can check out the template commit the project was
made from (`_commit`) next to the new one. A wheel's bundle holds one aiapi version's history,
so each new bundle is fetched into one long-lived repository: refs from every aiapi version
ever run stay there, and old `_commit`s stay resolvable.

Layout of `${AIAPI_HOME:-${XDG_DATA_HOME:-~/.local/share}/aiapi}`:

    template/                git repo; refs/heads/aiapi/<commit> per packaged commit, all tags,
                             work tree detached at the newest packaged commit
    template.bundle.sha256   digest of the last bundle fetched (skips re-fetching)
    store.lock               serialises concurrent aiapi runs while they write

Why not a bare `template.git`: projects record the store as `~/...` so they keep working for
teammates with another home folder, and Copier 9.19 expands `~` only for paths it recognises
as a git work tree (a `*.git` path is taken for a URL, unexpanded; a bare repo without that
suffix is taken for a plain folder, and plain folders cannot be updated from).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiapi.errors import FAILED, AiapiError
from aiapi.gitutil import GitError, git

REPO_NAME = "template"
STAMP_NAME = "template.bundle.sha256"
LOCK_NAME = "store.lock"


def store_home() -> Path:
    explicit = os.environ.get("AIAPI_HOME")
    if explicit:
        return Path(explicit).expanduser().absolute()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).expanduser().absolute() / "aiapi"


def store_path() -> Path:
    return store_home() / REPO_NAME


def portable_path(path: Path) -> str:
    """`~/...` under the home folder (Copier expands `~`), else absolute: never relative."""
    path = path.absolute()
    home = Path.home().absolute()
    try:
        return "~/" + path.relative_to(home).as_posix()
    except ValueError:
        return path.as_posix()


def is_store(src: str) -> bool:
    """Whether a recorded `_src_path` names this machine's store."""
    if "://" in src or src.startswith("git@"):
        return False
    return Path(src).expanduser().absolute() == store_path()


@contextmanager
def _locked(home: Path) -> Iterator[None]:
    with (home / LOCK_NAME).open("a+b") as handle:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _create_repo(home: Path, repo: Path) -> None:
    """Init in a scratch folder and rename into place, so a half-made repo is never seen."""
    if repo.exists():
        shutil.rmtree(repo)  # not a usable repository (interrupted by an old aiapi?)
    scratch = Path(tempfile.mkdtemp(prefix=f".{REPO_NAME}.", dir=home))
    try:
        git(scratch, "init", "--quiet")
        scratch.rename(repo)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _has_commit(repo: Path, commit: str) -> bool:
    try:
        git(repo, "cat-file", "-e", f"{commit}^{{commit}}")
    except GitError:
        return False
    return True


def refresh(bundle: Path, commit: str) -> Path:
    """Make sure the store holds the packaged bundle; return the store's path."""
    home = store_home()
    repo = home / REPO_NAME
    try:
        home.mkdir(parents=True, exist_ok=True)
        with _locked(home):
            if not (repo / ".git" / "HEAD").is_file():
                _create_repo(home, repo)
            stamp = home / STAMP_NAME
            digest = _sha256(bundle)
            current = stamp.read_text().strip() if stamp.is_file() else ""
            if current == digest and _has_commit(repo, commit):
                return repo
            branch = f"refs/heads/aiapi/{commit}"
            # Tags are forced: the newest aiapi's view of a tag wins.
            git(
                repo, "fetch", "--quiet", str(bundle), f"+HEAD:{branch}", "+refs/tags/*:refs/tags/*"
            )
            # Detached, so no branch is ever checked out and later fetches may update any ref.
            git(repo, "checkout", "--quiet", "--force", "--detach", commit)
            git(repo, "clean", "--quiet", "-d", "--force", "-x")
            partial = stamp.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(digest + "\n")
            partial.replace(stamp)
    except (OSError, GitError) as error:
        raise AiapiError(f"cannot prepare the template store in {home}: {error}", FAILED) from None
    return repo
