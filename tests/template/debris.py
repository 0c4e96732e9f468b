"""What a rendered project must not contain: template leftovers, empty files, and imports that
disagree with the dependencies it declares (checked against the shared environment's metadata)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

EMPTY_ALLOWED = {"__init__.py", "py.typed"}
# `{{ name }}` / `{{ name | filter }}` and block tags; GitHub's `${{ ... }}` and regex
# quantifiers in f-strings (`{{0,40}}`) are not Jinja.
JINJA_LEFT = re.compile(
    r"(?<!\$)\{\{-?\s*[A-Za-z_][\w.]*\s*(?:\||-?\}\})"
    r"|\{%-?\s*(?:if|elif|else|endif|for|endfor|set|raw|endraw|include|macro)\b"
    r"|\{#.*#\}"
)
# Declared but never imported by name, for a reason: the program still uses them.
RUNTIME_ONLY = {
    "uvicorn": "the server the service runs under (`uvicorn --factory app.main:create_app`)",
    "asyncpg": "SQLAlchemy's PostgreSQL driver, chosen by DATABASE_URL",
    "aiosqlite": "SQLAlchemy's SQLite driver, chosen by DATABASE_URL",
    "email-validator": "pydantic's EmailStr validates with it",
    "python-multipart": "FastAPI parses form and file uploads with it",
    "pytest-cov": "a pytest plugin (--cov)",
    "coverage": "what pytest-cov measures with (its `patch` setting needs 7.10)",
    "mypy": "a command (mypy --strict)",
    "ruff": "a command (ruff check / format)",
    "import-linter": "a command (lint-imports)",
}
# Top-level modules of the project itself.
LOCAL = {"app", "tests", "migrations", "conftest"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str:
    return normalise(re.split(r"[\s\[<>=!~;@]", spec.strip(), maxsplit=1)[0])


@cache
def module_distributions() -> dict[str, set[str]]:
    """Top-level module -> the distributions that provide it, in this environment."""
    return {
        module: {normalise(d) for d in dists}
        for module, dists in metadata.packages_distributions().items()
    }


def declared(project: Path) -> set[str]:
    data = tomllib.loads((project / "pyproject.toml").read_text())
    specs = list(data["project"].get("dependencies", []))
    for group in data.get("dependency-groups", {}).values():
        specs += [s for s in group if isinstance(s, str)]
    for extra in data["project"].get("optional-dependencies", {}).values():
        specs += extra
    return {requirement_name(s) for s in specs}


def imported_modules(project: Path) -> dict[str, Path]:
    """Top-level modules imported by the project's Python files (first file that does)."""
    found: dict[str, Path] = {}
    for path in sorted(project.rglob("*.py")):
        if ".venv" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], path.relative_to(project))
    return found


def problems(project: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(p for p in project.rglob("*") if p.is_file()):
        relative = path.relative_to(project)
        if path.name.endswith(".jinja"):
            found.append(f"{relative}: a .jinja file was left")
        if path.stat().st_size == 0 and path.name not in EMPTY_ALLOWED:
            found.append(f"{relative}: empty file")
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if JINJA_LEFT.search(line):
                found.append(f"{relative}:{number}: Jinja left: {line.strip()[:80]}")

    wanted = declared(project)
    provides = module_distributions()
    used: set[str] = set()
    for module, where in imported_modules(project).items():
        if module in LOCAL or module in sys.stdlib_module_names or module == "__future__":
            continue
        dists = provides.get(module)
        if not dists:
            found.append(f"{where}: imports {module!r}, which no installed distribution provides")
            continue
        used |= dists
        if not dists & wanted:
            found.append(f"{where}: imports {module!r} ({', '.join(sorted(dists))}), not declared")
    for name in sorted(wanted - used - set(RUNTIME_ONLY)):
        found.append(f"pyproject.toml: declares {name!r}, which nothing imports")
    return found
