"""Print every dependency any generated project can declare, one requirement per line.

The template tests run each variant in one shared environment holding this superset. The list
is read from template/pyproject.toml.jinja itself (all branches of its conditions), so it can
never drift from what the template generates.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TEMPLATE_PYPROJECT = Path(__file__).resolve().parents[1] / "template" / "pyproject.toml.jinja"
REQUIREMENT = re.compile(r'^\s*"([A-Za-z0-9][^"]*)",?\s*$')
SECTIONS = ("dependencies = [", "dev = [")


def requirements(text: str) -> list[str]:
    found: list[str] = []
    inside = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in SECTIONS:
            inside = True
        elif inside and stripped == "]":
            inside = False
        elif inside and (match := REQUIREMENT.match(line)):
            found.append(match.group(1))
    return sorted(set(found), key=str.lower)


def main() -> int:
    lines = requirements(TEMPLATE_PYPROJECT.read_text())
    if not lines:
        print(f"error: no dependencies found in {TEMPLATE_PYPROJECT}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
