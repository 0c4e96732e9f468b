"""The `aiapi` command: joins one module per command into one Typer app.

Copier and Questionary are imported only inside command bodies, so `aiapi --help` and
`aiapi options` start without paying for them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from aiapi import __version__
from aiapi.commands.new import new
from aiapi.commands.options import options
from aiapi.commands.update import update
from aiapi.errors import AiapiError

app = typer.Typer(
    name="aiapi",
    no_args_is_help=True,
    help="Generate and update AI FastAPI backends (streaming chat, RAG, auth) from one template.",
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("new")(new)
app.command("update")(update)
app.command("options")(options)


def _version(value: bool) -> None:
    if not value:
        return
    from aiapi.resources import packaged_template

    packaged = packaged_template()
    template = packaged.describe if packaged else "source checkout"
    typer.echo(f"aiapi {__version__} (template {template})")
    raise typer.Exit


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Show aiapi's version and the packaged template's, then exit.",
        ),
    ] = False,
) -> None:
    """Generate and update AI FastAPI backends from one Copier template."""


def main() -> None:
    try:
        app()
    except AiapiError as error:  # only a broken installation gets here
        typer.echo(f"Error: {error}", err=True)
        raise SystemExit(error.exit_code) from None
