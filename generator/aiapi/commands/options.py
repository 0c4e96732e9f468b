"""`aiapi options`: the command-line surface; what it prints is in aiapi.options."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from aiapi.errors import reported
from aiapi.questions import TemplateConfig


def options(
    config: TemplateConfig,
    as_json_flag: Annotated[
        bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")
    ] = False,
) -> None:
    """List every question with its type, choices and default, and the presets."""
    with reported():
        from aiapi.options import as_json, print_options
        from aiapi.packaged import packaged_data
        from aiapi.presets import all_presets

        presets = all_presets(config, packaged_data().presets_dir)
        if as_json_flag:
            typer.echo(json.dumps(as_json(config, presets), indent=2))
        else:
            print_options(config, presets)
