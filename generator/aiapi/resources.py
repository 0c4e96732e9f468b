"""Where the packaged template data lives.

A wheel carries `aiapi/_data/` (see hatch_build.py). An editable install has no `_data/`,
so it reads copier.yml and presets from the checkout and generates from the checkout itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from aiapi.errors import FAILED, AiapiError

DATA_DIR = Path(__file__).resolve().parent / "_data"
CHECKOUT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Resources:
    """Paths to the data the CLI reads; `bundle` is None when running from a checkout."""

    copier_yml: Path
    presets_dir: Path
    bundle: Path | None
    checkout: Path | None

    @property
    def template_json(self) -> Path:
        return self.copier_yml.parent / "template.json"


@dataclass(frozen=True)
class PackagedTemplate:
    """The commit the bundle was made from and its `git describe --tags --always`."""

    commit: str
    describe: str


@cache
def resources() -> Resources:
    if (DATA_DIR / "copier.yml").is_file():
        return Resources(
            copier_yml=DATA_DIR / "copier.yml",
            presets_dir=DATA_DIR / "presets",
            bundle=DATA_DIR / "template.bundle",
            checkout=None,
        )
    if (CHECKOUT / "copier.yml").is_file() and (CHECKOUT / "generator" / "aiapi").is_dir():
        return Resources(
            copier_yml=CHECKOUT / "copier.yml",
            presets_dir=CHECKOUT / "presets",
            bundle=None,
            checkout=CHECKOUT,
        )
    raise AiapiError(
        f"aiapi is installed without its template data ({DATA_DIR} is missing); reinstall it",
        FAILED,
    )


@cache
def packaged_template() -> PackagedTemplate | None:
    """The packaged commit, or None when running from a checkout."""
    res = resources()
    if res.bundle is None:
        return None
    info = json.loads(res.template_json.read_text(encoding="utf-8"))
    return PackagedTemplate(commit=str(info["commit"]), describe=str(info["describe"]))
