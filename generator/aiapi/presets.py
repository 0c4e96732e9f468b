"""Named answer sets shipped in presets/*.yml (`_description` says what each is for)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiapi.answers import checked
from aiapi.errors import AiapiError
from aiapi.questions import TemplateConfig, load_yaml


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    answers: dict[str, Any]


def preset_names(presets_dir: Path) -> list[str]:
    return sorted(path.stem for path in presets_dir.glob("*.yml"))


def load_preset(config: TemplateConfig, presets_dir: Path, name: str) -> Preset:
    """Read and check one preset; an unknown name lists the known ones."""
    path = presets_dir / f"{name}.yml"
    names = preset_names(presets_dir)
    if name not in names:
        raise AiapiError(f"unknown preset {name!r}; choose one of: {', '.join(names)}")
    data = load_yaml(path) or {}
    if not isinstance(data, dict):
        raise AiapiError(f"preset {name!r} ({path}) must be a mapping of question: answer", 1)
    return Preset(
        name=name,
        description=str(data.get("_description", "")).strip(),
        answers=checked(config, data, f"preset {name!r}"),
    )


def all_presets(config: TemplateConfig, presets_dir: Path) -> list[Preset]:
    return [load_preset(config, presets_dir, name) for name in preset_names(presets_dir)]
