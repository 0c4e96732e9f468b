"""What the user sees after a command succeeds (Rich, on stdout)."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aiapi.questions import TemplateConfig

if TYPE_CHECKING:
    from aiapi.update import Updated

# `--no-active`: uv uses the project's own .venv, silently, even when the shell has another
# virtualenv activated (aiapi's own, often).
NEXT_STEPS = (
    "uv run --no-active uvicorn --factory app.main:create_app --reload --no-server-header",
    "uv run --no-active pytest",
)


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _label(config: TemplateConfig, key: str, value: Any) -> str:
    question = config.questions.get(key)
    for choice in (question.choices if question else None) or ():
        if choice.value == value and choice.label != str(value):
            return f"{escape(str(value))} [dim]({escape(choice.label)})[/dim]"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return escape(str(value))


def print_new_summary(
    config: TemplateConfig, shown: str, answers: Mapping[str, Any], *, committed: bool
) -> None:
    """The answers as a table, then the commands of the generated README's quick start."""
    console = _console()
    table = Table(title=f"Created {escape(shown)}", title_justify="left", show_edge=False)
    table.add_column("question", style="cyan")
    table.add_column("answer")
    ordered = [k for k in config.questions if k in answers]
    ordered += [k for k in answers if k not in config.questions and not k.startswith("_")]
    for key in ordered:
        table.add_row(key, _label(config, key, answers[key]))
    console.print(table)
    if committed:
        console.print("git: initialised with a first commit")
    console.print("\n[bold]Next steps[/bold]")
    for command in (f"cd {shlex.quote(shown)}", *NEXT_STEPS):
        console.print(f"  {escape(command)}")


def print_update_report(updated: Updated) -> None:
    console = _console()
    changed, conflicts = updated.changed, updated.conflicts
    if updated.committed_locks:
        names = ", ".join(updated.committed_locks)
        console.print(
            f"git: committed {escape(names)} (written by `uv run`) so that the update could start"
        )
    if not changed:
        console.print("Already up to date: no file changed.")
        return
    console.print(f"[bold]Updated {len(changed)} file(s)[/bold] (review with `git diff`):")
    for path in changed:
        mark = " [red](conflict)[/red]" if path in conflicts else ""
        console.print(f"  {escape(path)}{mark}")
    if conflicts:
        console.print(
            f"[red]{len(conflicts)} conflict(s)[/red]: resolve the <<<<<<< markers or "
            "*.rej files, then commit."
        )
