"""Leave no debris: undo what a failed or interrupted generation created.

Copier removes a destination only on `Exception` and only when it created the folder; a
Ctrl-C (KeyboardInterrupt is a BaseException) or a failure inside a pre-existing empty folder
leaves half a project behind. This guard covers both.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _first_missing(path: Path) -> Path | None:
    """The outermost folder of `path` that does not exist yet (what this run will create)."""
    missing = None
    for candidate in (path, *path.parents):
        if candidate.exists():
            break
        missing = candidate
    return missing


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def removed_on_failure(dest: Path) -> Iterator[None]:
    """On any exception, remove what appeared under `dest`; restore a pre-existing folder."""
    dest = dest.absolute()
    created = _first_missing(dest)
    before: set[Path] = set()
    times: tuple[int, int] | None = None
    if created is None:
        before = set(dest.iterdir())
        info = dest.stat()
        times = (info.st_atime_ns, info.st_mtime_ns)
    try:
        yield
    except BaseException:
        if created is not None:
            _remove(created)
        else:
            for path in set(dest.iterdir()) - before:
                _remove(path)
            if times is not None:
                os.utime(dest, ns=times)
        raise
