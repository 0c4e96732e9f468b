"""Options shared by `new` and `update`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ANSWERS = "Answers"
OUTPUT = "Output"
ADVANCED = "Advanced"

DataOption = Annotated[
    list[str] | None,
    typer.Option(
        "--data",
        "-d",
        metavar="KEY=VALUE",
        help="Answer one question (repeatable); VALUE is read as the question's type.",
        rich_help_panel=ANSWERS,
        show_default=False,
    ),
]
YesOption = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        help="Do not ask: take the default for every question not answered otherwise.",
        rich_help_panel=ANSWERS,
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print errors only.", rich_help_panel=OUTPUT),
]
VcsRefOption = Annotated[
    str | None,
    typer.Option(
        "--vcs-ref",
        metavar="REF",
        help="Git ref (tag, branch, commit) of the template to use.",
        rich_help_panel=ADVANCED,
        show_default=False,
    ),
]


def display(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)
