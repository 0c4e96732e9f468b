"""Apply `ruff check --fix` and `ruff format` to the template's plain Python files.

    .venv/bin/python scripts/format_template.py [VARIANT ...]

Files without the `.jinja` suffix are copied verbatim into every project, so they must already
be formatted the way the generated project's own `ruff format --check` wants. This renders each
representative variant (default: all of tests/template/variants.py), lets ruff fix it, and
writes every fixed verbatim file back to its place in template/. `.jinja` files are only
reported: fix those by hand.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import jinja2
import yaml

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "template"
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "tests" / "template"))

from render import answers_from, render  # noqa: E402
from variants import VARIANTS  # noqa: E402


def template_sources(answers: dict[str, object]) -> dict[str, Path]:
    """Rendered relative path -> template file, for the files this variant copies verbatim."""
    environment = jinja2.Environment(autoescape=False)  # noqa: S701 - paths, not HTML
    sources: dict[str, Path] = {}
    for source in TEMPLATE.rglob("*"):
        if not source.is_file() or source.suffix == ".jinja":
            continue
        rendered = environment.from_string(str(source.relative_to(TEMPLATE))).render(**answers)
        if all(rendered.split("/")):
            sources[rendered] = source
    return sources


def fix(variant: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        render(project, answers_from([variant]))
        before = {p: p.read_bytes() for p in project.rglob("*.py")}
        ruff = [sys.executable, "-m", "ruff"]
        subprocess.run([*ruff, "check", "--fix", "-q", "."], cwd=project, check=False)
        subprocess.run([*ruff, "format", "-q", "."], cwd=project, check=False)
        answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
        sources = template_sources(answers)
        for path, old in before.items():
            new = path.read_bytes()
            if new == old:
                continue
            relative = str(path.relative_to(project))
            source = sources.get(relative)
            if source is None:
                print(f"{variant}: fix by hand (rendered from a .jinja file): {relative}")
            elif source.read_bytes() != new:
                source.write_bytes(new)
                print(f"{variant}: fixed {source.relative_to(REPO)}")


def main() -> None:
    for variant in sys.argv[1:] or list(VARIANTS):
        fix(variant)


if __name__ == "__main__":
    main()
