"""The lock file that following the generated README leaves behind, committed before an update.

The README's first command, `uv run uvicorn ...`, writes `uv.lock` next to pyproject.toml.
Copier refuses to update a work tree with an untracked file, so a user who did only what the
README says could never run `aiapi update`. When the only uncommitted paths are such lock
files, never committed before, `aiapi update` commits them (one commit of those files alone)
and then updates. Committing, rather than moving the file aside or asking the user to:

- is what uv advises for an application (commit uv.lock), so it is the commit the user would
  make anyway; it happens once, and later updates never meet the file again;
- cannot lose the file: a failed or interrupted update resets to that commit, while a file
  moved aside would be stranded if aiapi were killed half-way;
- leaves the update's own changes alone in `git diff`, for review, as Copier leaves them.

Anything else stays refused: a lock file committed once and deleted since was the user's
choice, and other changes are the user's work.
"""

from __future__ import annotations

from pathlib import Path

from aiapi.gitutil import ever_committed

LOCK_FILES = ("uv.lock",)  # the README's tool; other tools' locks were the user's choice
COMMIT_MESSAGE = "Add {names}, written by `uv run` (committed by aiapi update)"


def readme_lock_files(project: Path, top: Path, entries: list[tuple[str, str]]) -> list[str]:
    """The untracked, never committed lock files at the project's root, as git names them."""
    found = []
    for code, name in entries:
        if code != "??" or Path(name).name not in LOCK_FILES:
            continue
        if (top / name).resolve() == (project / Path(name).name).resolve() and not ever_committed(
            project, name
        ):
            found.append(name)
    return found


def commit_message(names: list[str]) -> str:
    return COMMIT_MESSAGE.format(names=", ".join(Path(n).name for n in names))
