"""What `aiapi options` prints: every question, its choices and default, and the presets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiapi.questions import Question, TemplateConfig

if TYPE_CHECKING:
    from rich.console import RenderableType

    from aiapi.presets import Preset


def as_json(config: TemplateConfig, presets: list[Preset]) -> dict[str, Any]:
    return {
        "questions": [
            {
                "key": q.key,
                "option": q.option,
                "type": q.type,
                "help": q.help,
                "default": q.default,
                "default_is_template": q.templated_default,
                "when": q.condition,
                "choices": (
                    None
                    if q.choices is None
                    else [{"label": c.label, "value": c.value} for c in q.choices]
                ),
            }
            for q in config.askable
        ],
        "presets": {p.name: {"description": p.description, "answers": p.answers} for p in presets},
    }


def _as_text(value: Any) -> str:
    """A value as it is typed after --data (true, not True)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _question(q: Question) -> RenderableType:
    """The option with its type and default, then indented: help, condition, choices.

    One block per question instead of a table: at 80 columns a five-column table cut
    option names and labels short ("--python-versi…"); blocks wrap only between words.
    """
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    option = f"{q.option}/--no-{q.option[2:]}" if q.type == "bool" else q.option
    head = Text.assemble((option, "bold cyan"), f"  {q.type}")
    if q.default_text is not None:
        head.append(f", default: {q.default_text}")
    body: list[RenderableType] = [Text(q.help)]
    if q.condition is not None:
        body.append(Text.assemble("asked only when: ", (q.condition, "yellow")))
    labelled = [c for c in q.choices or () if c.label != _as_text(c.value)]
    if labelled:
        choices = Table.grid(padding=(0, 2))
        choices.add_column(style="cyan", no_wrap=True)
        choices.add_column()
        for choice in q.choices or ():
            choices.add_row(_as_text(choice.value), choice.label)
        body.append(choices)
    elif q.choices:
        body.append(Text("choices: " + ", ".join(_as_text(v) for v in q.choice_values)))
    return Group(head, Padding(Group(*body), (0, 0, 0, 4), expand=False))


def _presets(presets: list[Preset]) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for preset in presets:
        answers = ", ".join(f"{k}={_as_text(v)}" for k, v in preset.answers.items())
        table.add_row(preset.name, Text(preset.description + "\n") + Text(answers, style="dim"))
    return table


def print_options(config: TemplateConfig, presets: list[Preset]) -> None:
    """The questions and presets, readable in an 80-column terminal."""
    from rich.console import Console

    console = Console(highlight=False)
    console.print("[bold]Questions[/bold] (each one is also a flag of `new` and `update`)\n")
    for question in config.askable:
        console.print(_question(question))
    console.print("\n[bold]Presets[/bold] (--preset NAME)\n")
    console.print(_presets(presets))
