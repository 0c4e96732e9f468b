"""What `aiapi options` prints: every question, its choices and default, and the presets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiapi.questions import TemplateConfig

if TYPE_CHECKING:
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


def print_tables(config: TemplateConfig, presets: list[Preset]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    questions = Table(title="Questions", title_justify="left", show_lines=True)
    for column in ("option", "type", "default", "choices (value: label)", "help"):
        questions.add_column(column, style="cyan" if column == "option" else None)
    for q in config.askable:
        choices = "\n".join(f"{escape(str(c.value))}: {escape(c.label)}" for c in q.choices or ())
        questions.add_row(q.option, q.type, escape(q.default_text or ""), choices, escape(q.help))
    console.print(questions)
    table = Table(title="Presets (--preset NAME)", title_justify="left", show_lines=True)
    for column in ("name", "description", "answers"):
        table.add_column(column, style="cyan" if column == "name" else None)
    for preset in presets:
        answers = ", ".join(f"{k}={v}" for k, v in preset.answers.items())
        table.add_row(preset.name, escape(preset.description), escape(answers))
    console.print(table)
