"""One command-line option per question, built from copier.yml at start-up.

Typer reads a command's parameters from `inspect.signature`, so a command declared with
`**flags` gets a `__signature__` that lists its own parameters plus one keyword-only
`q_<key>` parameter per question. Values arrive in `flags` and `from_flags` turns them into
answers. Choices are checked by aiapi (not click) so a bad value gets aiapi's one-line error.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import typer

from aiapi.questions import Question, TemplateConfig

PREFIX = "q_"
PANEL = "Questions (from copier.yml)"


def escape(text: str) -> str:
    """Help text is Rich markup: keep a literal `[` from starting a style tag."""
    return text.replace("[", r"\[")


def _parameter(question: Question, show_default: bool) -> inspect.Parameter:
    help_text = escape(question.help)
    default = question.default_text
    if default is not None and show_default:
        help_text += f" [dim]{escape(f'[default: {default}]')}[/dim]"
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


def with_question_flags(
    command: Callable[..., Any], config: TemplateConfig, *, show_defaults: bool = True
) -> None:
    """Replace the command's `**flags` in its signature by one option per question."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    extra = [_parameter(question, show_defaults) for question in config.askable]
    command.__signature__ = signature.replace(parameters=[*own, *extra])  # type: ignore[attr-defined]


def from_flags(config: TemplateConfig, flags: Mapping[str, Any]) -> dict[str, Any]:
    """The answers given as flags, typed and checked like any other answer."""
    answers: dict[str, Any] = {}
    for name, value in flags.items():
        if value is None or not name.startswith(PREFIX):
            continue
        key = name.removeprefix(PREFIX)
        question = config.question(key, config.questions[key].option)
        answers[key] = question.normalize(value)
    return answers
