"""`aiapi new DEST`: the command-line surface; the work is in aiapi.new."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from aiapi.commands.common import (
    ADVANCED,
    ANSWERS,
    OUTPUT,
    DataOption,
    QuietOption,
    VcsRefOption,
    YesOption,
    display,
)
from aiapi.errors import reported
from aiapi.questions import TemplateConfig


def new(
    config: TemplateConfig,
    dest: Annotated[
        Path,
        typer.Argument(
            metavar="DEST",
            help="Folder to create; it must not exist or be empty.",
            show_default=False,
        ),
    ],
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            "-p",
            metavar="NAME",
            help="Start from a named answer set (see `aiapi options`).",
            rich_help_panel=ANSWERS,
            show_default=False,
        ),
    ] = None,
    answers_file: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            "-a",
            metavar="FILE",
            help="YAML file of answers (keys starting with _ are ignored).",
            rich_help_panel=ANSWERS,
            show_default=False,
        ),
    ] = None,
    data: DataOption = None,
    yes: YesOption = False,
    no_git: Annotated[
        bool,
        typer.Option(
            "--no-git", help="Skip `git init` and the first commit.", rich_help_panel=OUTPUT
        ),
    ] = False,
    quiet: QuietOption = False,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            metavar="SRC",
            help="Generate from another template: a local checkout, bundle or git URL.",
            rich_help_panel=ADVANCED,
            show_default=False,
        ),
    ] = None,
    vcs_ref: VcsRefOption = None,
    flags: Mapping[str, Any] | None = None,
) -> None:
    """Create a new AI backend in DEST.

    Answers: --preset < --answers < --data < question flags (later ones win).
    Copier asks the remaining questions; --yes takes their defaults instead.
    """
    with reported():
        from aiapi.new import create_project
        from aiapi.summary import print_new_summary

        target, recorded, committed = create_project(
            config,
            dest,
            preset=preset,
            answers_file=answers_file,
            data=data,
            flags=flags or {},
            yes=yes,
            git=not no_git,
            template=template,
            vcs_ref=vcs_ref,
        )
        if not quiet:
            print_new_summary(config, display(target), recorded, committed=committed)
