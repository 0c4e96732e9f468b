"""The house rules: imports point one way (core at the bottom, transports and wiring on top),
as the import-linter contracts in pyproject.toml describe."""

import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def test_imports_point_one_way() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports is not None, "import-linter is a dev dependency: uv sync installs it"
    result = subprocess.run(
        [lint_imports, "--no-cache"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
