"""The `aiapi` command: one module per command under aiapi.commands, joined into one Typer app.

The app is built from a TemplateConfig (the packaged copier.yml by default), so each command
gets one flag per question. Copier, Questionary, PyYAML and Jinja are imported only inside
command bodies, so `aiapi --help` and `aiapi options` start without paying for them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from aiapi import __version__
from aiapi.commands.help_format import Command, Group
from aiapi.commands.new import new
from aiapi.commands.options import options
from aiapi.commands.question_flags import bound
from aiapi.commands.update import update
from aiapi.errors import AiapiError
from aiapi.questions import TemplateConfig, template_config


def _version(value: bool) -> None:
    if not value:
        return
    from aiapi.packaged import packaged_template

    packaged = packaged_template()
    template = packaged.describe if packaged else "source checkout"
    typer.echo(f"aiapi {__version__} (template {template})")
    raise typer.Exit


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


def build_app(config: TemplateConfig) -> typer.Typer:
    """The whole CLI for one set of questions."""
    app = typer.Typer(
        name="aiapi",
        no_args_is_help=True,
        help="Generate and update AI FastAPI backends (streaming chat, RAG, auth) from one "
        "template.",
        add_completion=False,
        pretty_exceptions_enable=False,
        cls=Group,
    )
    app.callback()(root)
    app.command("new", cls=Command)(bound(new, config))
    # An update keeps the previous answers, so copier.yml's defaults would mislead there.
    app.command("update", cls=Command)(bound(update, config, show_defaults=False))
    app.command("options", cls=Command)(bound(options, config, question_flags=False))
    return app


app = build_app(template_config())


def main() -> None:
    try:
        app()
    except AiapiError as error:  # only a broken installation gets here
        typer.echo(f"Error: {error}", err=True)
        raise SystemExit(error.exit_code) from None
