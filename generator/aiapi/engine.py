"""Copier's copy of a new project, without the work that cannot change a fresh folder.

`copier.run_copy` spends most of its time on three things that have no effect when the
destination is a new, empty folder and the template a clean local git work tree:

- after each file, `git config core.fileMode` in the destination, to fix the index's
  executable bit of files that are already tracked (a fresh project's files never are);
- a Jinja compile of every part of every template path, most of which hold no Jinja at all,
  and of the answers file's name once per file rendered;
- a clone of the template repository into a temporary folder, when the template store's
  work tree is already checked out, clean, at the very commit asked for.

`copy_project` runs Copier's own Worker with those three skipped, and so renders the same
files, records the same `_src_path` and `_commit`, and updates the same way. Skipping leans on
Copier internals: when they are not there (another Copier version), it falls back to plain
`run_copy`, which is only slower.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiapi.gitutil import GitError, git

# Where Copier keeps what is skipped; checked before use, so a renamed one means "not skipped".
_SYNC_METHOD = "_sync_git_index_executable_bit"
_RENDER_METHOD = "_render_string"
_ANSWERS = "answers_relpath"


def _clean_checkout(template: Path, commit: str) -> bool:
    """Whether the work tree at `template` is clean and at `commit` (a sha or a ref)."""
    try:
        head = git(template, "rev-parse", "HEAD").strip()
        wanted = git(template, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}").strip()
        dirty = git(template, "status", "--porcelain", "--untracked-files=all").strip()
    except GitError:
        return False
    return head == wanted and not dirty


def _internals_known() -> bool:
    try:
        from copier._jinja_ext import get_yield_context  # noqa: F401
        from copier._main import Worker
    except ImportError:  # pragma: no cover
        return False
    return all(hasattr(Worker, name) for name in (_SYNC_METHOD, _RENDER_METHOD, _ANSWERS))


def copy_project(
    src: str, dest: Path, *, data: dict[str, Any], defaults: bool, vcs_ref: str | None
) -> None:
    """Copier's copy into the new folder `dest`; see the module's docstring."""
    if not _internals_known():  # pragma: no cover - another Copier's layout: the plain way
        from copier import run_copy

        run_copy(
            src, dest, data=data, defaults=defaults, vcs_ref=vcs_ref, unsafe=True, quiet=True,
            cleanup_on_error=False,
        )  # fmt: skip
        return
    from copier._jinja_ext import get_yield_context
    from copier._main import Worker

    local = Path(src).expanduser()
    in_place = vcs_ref is not None and local.is_dir() and _clean_checkout(local, vcs_ref)

    class FreshProjectWorker(Worker):
        def _sync_git_index_executable_bit(self, dst_relpath: Path, src_mode: int) -> None:
            """Nothing is tracked in a new folder: Copier's own would run git to do nothing."""

        def _plain(self, string: str) -> bool:
            """Whether Jinja would give `string` back unchanged: no markers, and no template
            extension whose hooks might run on a render."""
            env = self.jinja_env
            if self.template.jinja_extensions or env.line_statement_prefix is not None:
                return False
            if env.line_comment_prefix is not None:
                return False
            markers = (env.block_start_string, env.variable_start_string, env.comment_start_string)
            return not any(marker in string for marker in markers)

        def _render_string(self, string: str, extra_context: dict[str, Any] | None = None) -> str:
            if self._plain(string):
                context = get_yield_context(self.jinja_env)  # what Jinja's preprocess resets
                context.yield_name = None
                context.yield_iterable = None
                return string
            rendered: str = super()._render_string(string, extra_context)
            return rendered

        @property
        def answers_relpath(self) -> Path:
            """Copier compiles the answers file's name again for every file it renders."""
            path = str(self.answers_file or self.template.answers_relpath)
            if self._plain(path):
                return Path(path)
            rendered: Path = super().answers_relpath
            return rendered

    with FreshProjectWorker(
        src_path=src,
        dst_path=dest,
        data=data,
        defaults=defaults,
        vcs_ref=vcs_ref,
        unsafe=True,
        quiet=True,
        cleanup_on_error=False,
    ) as worker:
        if in_place:
            # The template's own work tree instead of a clone of it: Copier reads it only.
            worker.template.__dict__["local_abspath"] = local.resolve()
        worker.run_copy()
