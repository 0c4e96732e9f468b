"""The debris check of tier 1 finds what it is meant to find, and only that."""

from __future__ import annotations

from pathlib import Path

import debris


def _project(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n'
        'dependencies = ["fastapi>=0.1", "redis>=5", "uvicorn[standard]"]\n'
        '[dependency-groups]\ndev = ["pytest>=8"]\n'
    )
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "main.py").write_text(
        "import re\nimport fastapi\nimport yaml\nfrom app import x\n"
        'PATTERN = re.compile(rf"[a-z]{{0,40}}")\n'
    )
    (root / "tests").mkdir()
    (root / "tests" / "test_main.py").write_text("import pytest\n")
    (root / ".github").mkdir()
    (root / ".github" / "ci.yml").write_text("python: ${{ matrix.python }}\n")
    return root


def test_a_clean_project_has_no_debris(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "app" / "main.py").write_text("import fastapi\nimport redis\n")
    assert debris.problems(project) == []


def test_leftovers_and_dependency_drift_are_found(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "app" / "cache.py.jinja").write_text("x = 1\n")
    (project / "app" / "empty.py").write_text("")
    (project / "README.md").write_text("# {{ project_name }}\n{% if docker %}\n")
    found = debris.problems(project)
    assert found == [
        "README.md:1: Jinja left: # {{ project_name }}",
        "README.md:2: Jinja left: {% if docker %}",
        "app/cache.py.jinja: a .jinja file was left",
        "app/empty.py: empty file",
        "app/main.py: imports 'yaml' (pyyaml), not declared",
        "pyproject.toml: declares 'redis', which nothing imports",
    ]
