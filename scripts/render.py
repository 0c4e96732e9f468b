"""Render the template from this working tree into a folder, for working on the template.

    .venv/bin/python scripts/render.py DEST [VARIANT | KEY=VALUE ...]

VARIANT is a named variant of tests/template/variants.py (default: "defaults"), a preset
(`preset-minimal`, `preset-full`, `preset-production`) or a variant's name from the template
tests' summary table (`anthropic-api_key-postgres-redis-none+docker=False`); KEY=VALUE pairs are
answers. Uncommitted template changes are included.
"""

from __future__ import annotations

import shutil
import sys
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "template"))

from matrix import parse_label, presets  # noqa: E402
from variants import VARIANTS  # noqa: E402


def answers_from(arguments: list[str]) -> dict[str, object]:
    answers: dict[str, object] = {"project_name": "demo"}
    for argument in arguments:
        if argument in VARIANTS:
            answers.update(VARIANTS[argument])
        elif argument in (named := presets()):
            answers.update(named[argument])
        elif (labelled := parse_label(argument)) is not None:
            answers.update(labelled)
        elif "=" in argument:
            key, _, value = argument.partition("=")
            answers[key] = {"true": True, "false": False}.get(value, value)
        else:
            choices = [*VARIANTS, *presets()]
            raise SystemExit(
                f"error: unknown variant {argument!r}; choose one of {choices}, or a variant's name"
                " from the template tests' table"
            )
    return answers


def render(destination: Path, answers: dict[str, object]) -> None:
    import copier

    shutil.rmtree(destination, ignore_errors=True)
    with warnings.catch_warnings():  # "dirty template changes included": that is the point
        warnings.simplefilter("ignore")
        copier.run_copy(
            str(REPO),
            destination,
            data=answers,
            defaults=True,
            unsafe=True,
            quiet=True,
            vcs_ref="HEAD",
        )


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    destination = Path(sys.argv[1]).resolve()
    render(destination, answers_from(sys.argv[2:] or ["defaults"]))
    print(destination)


if __name__ == "__main__":
    main()
