"""Which template to generate from, and how to record it so later updates find it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aiapi.errors import FAILED, AiapiError
from aiapi.gitutil import GitError, git
from aiapi.resources import packaged_template, resources
from aiapi.store import portable_path, refresh

_REMOTE = re.compile(r"^(\w[\w+.-]*://|git@|gh:|gl:)")


@dataclass(frozen=True)
class TemplateSource:
    """`src` is what Copier records as `_src_path`: a URL, `~/...` or an absolute path."""

    src: str
    vcs_ref: str | None


def _is_git(path: Path) -> bool:
    if path.is_file():
        return path.suffix == ".bundle"
    return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())


def packaged_source(vcs_ref: str | None = None) -> TemplateSource:
    """The template shipped with aiapi: the store, at the packaged commit by default."""
    res = resources()
    packaged = packaged_template()
    if res.bundle is None or packaged is None:
        # An editable install: generate from the checkout itself, uncommitted changes included.
        assert res.checkout is not None  # noqa: S101 (resources() guarantees one of the two)
        try:
            git(res.checkout, "rev-parse", "--verify", "--quiet", "HEAD")
        except GitError:
            raise AiapiError(
                f"the checkout {res.checkout} has no commits yet; commit it or pass --template",
                FAILED,
            ) from None
        return TemplateSource(portable_path(res.checkout), vcs_ref or "HEAD")
    store = refresh(res.bundle, packaged.commit)
    return TemplateSource(portable_path(store), vcs_ref or packaged.commit)


def explicit_source(template: str, vcs_ref: str | None) -> TemplateSource:
    """A `--template` given by the user: a URL as is, a local path made absolute."""
    if _REMOTE.match(template):
        return TemplateSource(template, vcs_ref)
    path = Path(template).expanduser().absolute()
    if not path.exists():
        raise AiapiError(f"template {template!r} does not exist (give a folder, bundle or git URL)")
    # Copier expands `~` only for git sources; a plain folder must stay absolute.
    return TemplateSource(portable_path(path) if _is_git(path) else str(path), vcs_ref)
