"""Collect answers from presets, answers files, `--data` and flags, checked before Copier runs.

Keys and choices are checked here (so the message names the key, the value and what is
allowed); cross-question rules stay in copier.yml's validators, which Copier applies.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aiapi.errors import NO_TTY, AiapiError
from aiapi.questions import TemplateConfig, load_yaml


def checked(config: TemplateConfig, answers: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Type and choice-check a mapping of answers; `_`-prefixed keys are metadata, ignored."""
    result: dict[str, Any] = {}
    for key, value in answers.items():
        if str(key).startswith("_"):
            continue
        result[key] = config.question(str(key), source).normalize(value)
    return result


def parse_data(config: TemplateConfig, items: list[str]) -> dict[str, Any]:
    """`--data KEY=VALUE` items, each VALUE read as its question's type."""
    result: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise AiapiError(f"--data {item!r} is not KEY=VALUE, e.g. --data cache=redis")
        result[key] = config.question(key, "--data").normalize(text)
    return result


def read_answers_file(config: TemplateConfig, path: Path) -> dict[str, Any]:
    """A YAML mapping of answers, such as another project's .copier-answers.yml."""
    if not path.is_file():
        raise AiapiError(f"answers file '{path}' does not exist")
    try:
        data = load_yaml(path)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        first = str(error).strip().splitlines()[0]
        raise AiapiError(f"answers file '{path}' is not valid YAML ({first})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise AiapiError(f"answers file '{path}' must be a mapping of question: answer")
    return checked(config, data, f"answers file '{path}'")


def from_flags(config: TemplateConfig, flags: Mapping[str, Any]) -> dict[str, Any]:
    """The answers given as question flags (keyed by question), typed and checked."""
    return {key: config.questions[key].normalize(value) for key, value in flags.items()}


@dataclass(frozen=True)
class Given:
    """Answers as given; `labels` says how each command-line one was typed, for messages."""

    answers: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def answers_from_command_line(
    config: TemplateConfig, data: list[str] | None, flags: Mapping[str, Any]
) -> Given:
    """`--data` answers overridden by per-question flags (the higher precedence)."""
    from_data = parse_data(config, data or [])
    flagged = from_flags(config, flags)
    labels = {key: f"--data {key}" for key in from_data}
    labels.update((key, config.questions[key].option) for key in flagged)
    return Given({**from_data, **flagged}, labels)


def require_terminal(
    config: TemplateConfig,
    answers: Mapping[str, Any],
    yes: bool,
    skipped: frozenset[str] = frozenset(),
) -> None:
    """Fail before any work when Copier would have to prompt without a terminal.

    `skipped` questions (their condition is false) are never asked, so need no answer.
    """
    if yes or sys.stdin.isatty():
        return
    if any(q.key not in answers and q.key not in skipped for q in config.askable):
        raise AiapiError(NO_TTY)
