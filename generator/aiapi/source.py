"""Which template to generate from, and how to record it so later updates find it.

Pure functions: the caller refreshes the template store first (`store.refresh`), so that
choosing a source never writes anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aiapi.errors import FAILED, AiapiError
from aiapi.gitutil import GitError, git
from aiapi.packaged import PackagedTemplate
from aiapi.store import portable_path

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


def store_source(store: Path, packaged: PackagedTemplate, vcs_ref: str | None) -> TemplateSource:
    """The packaged template in the (refreshed) store, at the packaged commit by default."""
    return TemplateSource(portable_path(store), vcs_ref or packaged.commit)


def checkout_source(checkout: Path, vcs_ref: str | None) -> TemplateSource:
    """An editable install: generate from the checkout itself, uncommitted changes included."""
    try:
        git(checkout, "rev-parse", "--verify", "--quiet", "HEAD")
    except GitError:
        raise AiapiError(
            f"the checkout {checkout} has no commits yet; commit it or pass --template", FAILED
        ) from None
    return TemplateSource(portable_path(checkout), vcs_ref or "HEAD")


def explicit_source(template: str, vcs_ref: str | None) -> TemplateSource:
    """A `--template` given by the user: a URL as is, a local path made absolute."""
    if _REMOTE.match(template):
        return TemplateSource(template, vcs_ref)
    path = Path(template).expanduser().absolute()
    if not path.exists():
        raise AiapiError(f"template {template!r} does not exist (give a folder, bundle or git URL)")
    # Copier expands `~` only for git sources; a plain folder must stay absolute.
    return TemplateSource(portable_path(path) if _is_git(path) else str(path), vcs_ref)
