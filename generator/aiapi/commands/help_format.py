"""Help screens without a value placeholder after flags.

Typer 0.29 prints a type such as `<bool>` after every option, flags included, so
`--yes <bool>` reads as if it wanted a value. These command classes (Typer's `cls=` hook)
blank the placeholder of flags (options that take no value, `--help` too) just before the
help is drawn; parsing is untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typer.core import TyperCommand, TyperGroup, TyperOption

if TYPE_CHECKING:
    from typer import _click  # the types Typer's own format_help is declared with


def _blank_flag_placeholders(command: _click.Command, ctx: _click.Context) -> None:
    for param in command.get_params(ctx):
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""


class Command(TyperCommand):
    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _blank_flag_placeholders(self, ctx)
        super().format_help(ctx, formatter)


class Group(TyperGroup):
    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _blank_flag_placeholders(self, ctx)
        super().format_help(ctx, formatter)
