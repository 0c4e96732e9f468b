"""One command-line option per question, built from copier.yml at start-up.

Typer reads a command's parameters from `inspect.signature`. `bound()` wraps a command
written as `command(config, <own options>, flags)` in a function whose `__signature__` lists
the command's own options plus one keyword-only `q_<key>` option per question; the wrapper
passes the questions' values on as `flags` (keyed by question, unset ones left out). Choices
are checked by aiapi (not click) so a bad value gets aiapi's one-line error.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from aiapi.questions import Question, TemplateConfig

PREFIX = "q_"
PANEL = "Questions (from copier.yml)"


def escape(text: str) -> str:
    """Help text is Rich markup: keep a literal `[` from starting a style tag."""
    return text.replace("[", r"\[")


def _help(question: Question, show_default: bool) -> str:
    help_text = escape(question.help)
    if question.condition is not None:
        help_text += escape(f" (asked only when {question.condition})")
    default = question.default_text
    if default is not None and show_default:
        help_text += f" [dim]{escape(f'[default: {default}]')}[/dim]"
    return help_text


def _parameter(question: Question, show_default: bool) -> inspect.Parameter:
    help_text = _help(question, show_default)
    if question.type == "bool":
        option = typer.Option(
            f"{question.option}/--no-{question.option[2:]}",
            help=help_text,
            show_default=False,
            rich_help_panel=PANEL,
        )
        annotation: Any = Annotated[bool | None, option]
    else:
        if question.choices is not None:
            metavar = "[" + "|".join(str(v) for v in question.choice_values) + "]"
        else:
            metavar = question.type.upper() if question.type != "str" else "TEXT"
        option = typer.Option(
            question.option,
            help=help_text,
            metavar=metavar,
            show_default=False,
            rich_help_panel=PANEL,
        )
        annotation = Annotated[str | None, option]
    return inspect.Parameter(
        PREFIX + question.key, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation
    )


def bound(
    command: Callable[..., None],
    config: TemplateConfig,
    *,
    question_flags: bool = True,
    show_defaults: bool = True,
) -> Callable[..., None]:
    """`command` with `config` given, as Typer sees it: its own options (+ the questions')."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for name, p in signature.parameters.items() if name not in {"config", "flags"}]
    extra = [_parameter(q, show_defaults) for q in config.askable] if question_flags else []

    @functools.wraps(command)
    def invoke(**kwargs: Any) -> None:
        if not question_flags:
            return command(config, **kwargs)
        flags = {
            name.removeprefix(PREFIX): value
            for name, value in kwargs.items()
            if name.startswith(PREFIX) and value is not None
        }
        own_values = {name: value for name, value in kwargs.items() if not name.startswith(PREFIX)}
        return command(config, flags=flags, **own_values)

    invoke.__signature__ = signature.replace(parameters=[*own, *extra])  # type: ignore[attr-defined]
    return invoke
