"""What `aiapi new` does: gather answers, run Copier, make the first commit, undo on failure."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

from aiapi import __version__
from aiapi.answers import Given, answers_from_command_line, read_answers_file, require_terminal
from aiapi.cleanup import removed_on_failure
from aiapi.conditions import applicable_answers
from aiapi.copier_errors import translated
from aiapi.errors import AiapiError
from aiapi.gitutil import GitError, init_and_commit
from aiapi.packaged import packaged_data, packaged_template
from aiapi.presets import load_preset
from aiapi.questions import TemplateConfig, load_yaml
from aiapi.source import TemplateSource, checkout_source, explicit_source, store_source
from aiapi.store import refresh


def collect_answers(
    config: TemplateConfig,
    *,
    preset: str | None,
    answers_file: Path | None,
    data: list[str] | None,
    flags: Mapping[str, Any],
) -> Given:
    """Precedence, low to high: preset < answers file < --data < per-question flags."""
    answers: dict[str, Any] = {}
    if preset is not None:
        answers.update(load_preset(config, packaged_data().presets_dir, preset).answers)
    if answers_file is not None:
        answers.update(read_answers_file(config, answers_file))
    command_line = answers_from_command_line(config, data, flags)
    return Given({**answers, **command_line.answers}, command_line.labels)


def check_destination(dest: Path, shown: str) -> None:
    if dest.is_dir():
        if any(dest.iterdir()):
            raise AiapiError(f"destination '{shown}' is not empty; choose a new folder")
    elif dest.exists() or dest.is_symlink():
        raise AiapiError(f"destination '{shown}' exists and is not a folder")


def _folder_defaults(config: TemplateConfig, dest: Path) -> dict[str, Any]:
    """Values of Copier's "the folder name" idiom, so an invalid one can be named."""
    return {
        q.key: dest.name
        for q in config.askable
        if q.templated_default and "dst_path" in q.default and "basename" in q.default
    }


def _commit(dest: Path, answers: dict[str, Any]) -> bool:
    try:
        init_and_commit(
            dest,
            f"Initial commit from aiapi {__version__}",
            name=str(answers.get("author_name") or "aiapi"),
            email=str(answers.get("author_email") or "aiapi@localhost"),
        )
    except GitError as error:
        typer.echo(f"Warning: project created, but not committed: {error}", err=True)
        return False
    return True


def generate(
    config: TemplateConfig,
    source: TemplateSource,
    dest: Path,
    answers: dict[str, Any],
    *,
    yes: bool,
    git: bool,
) -> tuple[dict[str, Any], bool]:
    """Run Copier and the first commit; whatever escapes leaves nothing behind.

    Returns the answers Copier recorded and whether the first commit was made.
    """
    with (
        translated(
            config,
            answers,
            interrupted="aborted; nothing was created",
            known_defaults=_folder_defaults(config, dest),
        ),
        removed_on_failure(dest),
    ):
        from copier import run_copy

        run_copy(
            source.src,
            dest,
            data=answers,
            defaults=yes,
            vcs_ref=source.vcs_ref,
            unsafe=True,
            quiet=True,
            cleanup_on_error=False,  # removed_on_failure also covers Ctrl-C and existing folders
        )
        answers_path = dest / config.answers_file
        recorded = load_yaml(answers_path) if answers_path.is_file() else answers
        committed = _commit(dest, recorded) if git else False
    return dict(recorded), committed


def template_source(template: str | None, vcs_ref: str | None) -> TemplateSource:
    """`--template`, else the packaged template, copied into the store first (its one write)."""
    if template:
        return explicit_source(template, vcs_ref)
    packaged = packaged_template()
    if packaged is None:
        checkout = packaged_data().checkout
        assert checkout is not None  # noqa: S101 (no packaged template means a checkout)
        return checkout_source(checkout, vcs_ref)
    store = refresh(packaged.bundle, packaged.commit)
    return store_source(store, packaged, vcs_ref)


def create_project(
    config: TemplateConfig,
    dest: Path,
    *,
    preset: str | None,
    answers_file: Path | None,
    data: list[str] | None,
    flags: Mapping[str, Any],
    yes: bool,
    git: bool,
    template: str | None,
    vcs_ref: str | None,
) -> tuple[Path, dict[str, Any], bool]:
    """Check everything that can be checked, then generate. Returns (folder, answers, committed)."""
    given = collect_answers(
        config, preset=preset, answers_file=answers_file, data=data, flags=flags
    )
    target = dest.expanduser().absolute()
    check_destination(target, str(dest))
    applicable = applicable_answers(
        config, given.answers, given.labels, previous={}, settled=yes, dst_path=target
    )
    require_terminal(config, applicable.answers, yes, applicable.skipped)
    source = template_source(template, vcs_ref)
    recorded, committed = generate(config, source, target, applicable.answers, yes=yes, git=git)
    return target, recorded, committed
