"""What the installed aiapi carries: the questions, the presets and the template bundle.

Read-only on purpose: these getters run for `--help`, `--version` and `aiapi options`, which
never write. Copying the bundle into the template store is `store.refresh`, an explicit step
of `new` and `update`.

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
class PackagedData:
    """Paths to the data the CLI reads; `checkout` is set when running from a source checkout."""

    copier_yml: Path
    presets_dir: Path
    checkout: Path | None


@dataclass(frozen=True)
class PackagedTemplate:
    """The wheel's template bundle, the commit it holds and its `git describe --tags --always`."""

    bundle: Path
    commit: str
    describe: str


@cache
def packaged_data() -> PackagedData:
    if (DATA_DIR / "copier.yml").is_file():
        return PackagedData(
            copier_yml=DATA_DIR / "copier.yml", presets_dir=DATA_DIR / "presets", checkout=None
        )
    if (CHECKOUT / "copier.yml").is_file() and (CHECKOUT / "generator" / "aiapi").is_dir():
        return PackagedData(
            copier_yml=CHECKOUT / "copier.yml",
            presets_dir=CHECKOUT / "presets",
            checkout=CHECKOUT,
        )
    raise AiapiError(
        f"aiapi is installed without its template data ({DATA_DIR} is missing); reinstall it",
        FAILED,
    )


@cache
def packaged_template() -> PackagedTemplate | None:
    """The packaged bundle and commit, or None when running from a checkout."""
    data = packaged_data()
    if data.checkout is not None:
        return None
    info = json.loads((data.copier_yml.parent / "template.json").read_text(encoding="utf-8"))
    return PackagedTemplate(
        bundle=data.copier_yml.parent / "template.bundle",
        commit=str(info["commit"]),
        describe=str(info["describe"]),
    )
