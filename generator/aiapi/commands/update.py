"""`aiapi update [PATH]`: the command-line surface; the work is in aiapi.update."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from aiapi.commands.common import ANSWERS, OUTPUT, DataOption, QuietOption, VcsRefOption
from aiapi.errors import FAILED, AiapiError, reported
from aiapi.questions import TemplateConfig


def update(
    config: TemplateConfig,
    path: Annotated[
        Path,
        typer.Argument(
            metavar="PATH", help="The generated project to update (a committed git work tree)."
        ),
    ] = Path(),
    data: DataOption = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            "-y",
            help="Do not ask: keep the previous answers and take the defaults of new questions.",
            rich_help_panel=ANSWERS,
        ),
    ] = False,
    conflict: Annotated[
        str,
        typer.Option(
            "--conflict",
            metavar="[inline|rej]",
            help="Show conflicts as inline <<<<<<< markers or as .rej files.",
            rich_help_panel=OUTPUT,
        ),
    ] = "inline",
    quiet: QuietOption = False,
    vcs_ref: VcsRefOption = None,
    flags: Mapping[str, Any] | None = None,
) -> None:
    """Update a project to this aiapi's template, merging in your own changes.

    Previous answers are kept; change one with --data KEY=VALUE or its flag.
    Copier then adds or removes the files that answer controls.
    A uv.lock that `uv run` left untracked is committed first.
    Exits with 1 when conflicts remain to be resolved.
    """
    with reported():
        from aiapi.summary import print_update_report
        from aiapi.update import update_project

        updated = update_project(
            config,
            path,
            data=data,
            flags=flags or {},
            yes=yes,
            conflict=conflict,
            vcs_ref=vcs_ref,
        )
        if not quiet:
            print_update_report(updated)
        if updated.conflicts:
            raise AiapiError(f"{len(updated.conflicts)} conflict(s) to resolve", FAILED)
