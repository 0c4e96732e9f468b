"""Runs the variant tiers fast: every project rendered once (two processes), ruff once over all
trees, the per-variant checks two at a time, each worker with its own mypy cache (shared by the
variants it checks, so third-party stubs are analysed once per worker, not once per variant)."""

from __future__ import annotations

import multiprocessing
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boot
import debris
from variants import CheckRun, VariantRun

PYTHON = sys.executable
BIN = Path(PYTHON).parent
WORKERS = int(os.environ.get("AIAPI_VARIANT_WORKERS", "2"))
# A project's suite spends much of its time waiting (real servers, timeouts, streams), so
# several suites per core run at once. Tier 2 on 2 cores: two at a time 1377 s (processes busy
# 1146 of the 2754 CPU seconds the cores had), four at a time 1002 s (1511 of 2004), six at a
# time 1020 s with one more suite under the coverage gate (1644 of 2040).
SUITE_WORKERS = int(os.environ.get("AIAPI_SUITE_WORKERS", str(3 * (os.cpu_count() or 1))))
EnvFor = Callable[["Variant"], dict[str, str]]
SUITE = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"]
# The coverage gate the project's own `make test` and CI apply. Branch tracing costs a third
# more time (defaults: 150 s untraced, 200 s traced), so tier 2 applies it to the presets with
# and without a knowledge base, tier 3 to every variant.
COVERAGE_GATE = ["--cov=app", "--cov-branch", "--cov-fail-under=90"]
# Only a hang reaches it: on a slower 2-core host, with six suites at a time, one suite took
# 900 s (the Anthropic/API-key/PostgreSQL/Qdrant variant, 2026-12-07).
CHECK_TIMEOUT_SECONDS = 2_400


@dataclass
class Variant:
    name: str
    tier: str
    answers: dict[str, Any]
    project: Path
    coverage_gate: bool = False


def _render(template: str, destination: str, answers: dict[str, Any]) -> float:
    import warnings

    import copier

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(
            template,
            destination,
            data={"project_name": "demo", **answers},
            defaults=True,
            unsafe=True,
            quiet=True,
        )
    return time.perf_counter() - started


# Renders started ahead of the tiers (see render_ahead), by project folder.
_RENDERING: dict[Path, Future[float]] = {}


def render_ahead(template: Path, variants: list[Variant]) -> None:
    """Starts rendering these projects now, in the background: the tests that run before the
    tiers (the generator's) keep one process busy, and Copier's rendering fills the other core.
    `render_all` then takes each finished project instead of rendering it again."""
    todo = [variant for variant in variants if variant.project not in _RENDERING]
    if not todo:
        return
    pool = ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"))
    for variant in todo:
        _RENDERING[variant.project] = pool.submit(
            _render, str(template), str(variant.project), variant.answers
        )
    pool.shutdown(wait=False)  # the submitted renders still run


def render_all(template: Path, variants: list[Variant]) -> dict[str, CheckRun]:
    """Each project once, in worker processes (Copier's rendering is CPU-bound Python)."""
    render_ahead(template, [v for v in variants if not (v.project / "pyproject.toml").exists()])
    futures = {v.name: _RENDERING.pop(v.project) for v in variants if v.project in _RENDERING}
    results: dict[str, CheckRun] = {}
    for name, future in futures.items():
        try:
            results[name] = CheckRun("render", True, future.result(), "")
        except Exception:  # noqa: BLE001 - Copier's refusal is the check's output
            results[name] = CheckRun("render", False, 0.0, traceback.format_exc())
    return results


def _run(name: str, command: list[str], cwd: Path, env: Mapping[str, str]) -> CheckRun:
    started = time.perf_counter()
    with subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, "PYTHONFAULTHANDLER": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=CHECK_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            stdout, stderr = _stacks_of_hung(process)
    output = stdout + stderr
    return CheckRun(name, process.returncode == 0, time.perf_counter() - started, output)


def _stacks_of_hung(process: subprocess.Popen[str]) -> tuple[str, str]:
    """A hung check is aborted with SIGABRT: Python's faulthandler (PYTHONFAULTHANDLER) then
    prints every thread's stack, so the failure says where it hung."""
    process.send_signal(signal.SIGABRT)
    try:
        stdout, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    return stdout, f"{stderr}\n--- hung: stopped after {CHECK_TIMEOUT_SECONDS} s ---"


def _timed(name: str, check: Callable[[], list[str] | str]) -> CheckRun:
    started = time.perf_counter()
    try:
        outcome = check()
    except AssertionError as error:
        return CheckRun(name, False, time.perf_counter() - started, str(error))
    problems = outcome if isinstance(outcome, list) else []
    return CheckRun(name, not problems, time.perf_counter() - started, "\n".join(problems))


def ruff_everywhere(root: Path, variants: list[Variant]) -> dict[str, list[CheckRun]]:
    """`ruff check` and `ruff format --check` once over every tree: ruff reads each file's nearest
    pyproject.toml, so each project is judged by its own settings; findings go to their variant."""
    runs: dict[str, list[CheckRun]] = {v.name: [] for v in variants}
    commands = {
        "ruff check": [PYTHON, "-m", "ruff", "check", "--no-cache", "--output-format=concise"],
        "ruff format": [PYTHON, "-m", "ruff", "format", "--check", "--no-cache"],
    }
    for check, command in commands.items():
        started = time.perf_counter()
        completed = subprocess.run(
            [*command, *(str(v.project) for v in variants)],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        share = (time.perf_counter() - started) / max(len(variants), 1)
        lines = (completed.stdout + completed.stderr).splitlines()
        for variant in variants:
            mine = [line for line in lines if str(variant.project) + os.sep in line]
            runs[variant.name].append(CheckRun(check, not mine, share, "\n".join(mine)))
        if completed.returncode != 0 and not any(str(root) in line for line in lines):
            for variant in variants:  # ruff itself failed: nobody passes
                runs[variant.name][-1] = CheckRun(check, False, share, "\n".join(lines))
    return runs


class CachePool:
    """One mypy cache per worker thread; a variant borrows one for its run."""

    def __init__(self, root: Path) -> None:
        self._free: queue.Queue[Path] = queue.Queue()
        for number in range(WORKERS):
            self._free.put(root / f"mypy-cache-{number}")

    @contextmanager
    def borrow(self) -> Iterator[Path]:
        cache = self._free.get()
        try:
            yield cache
        finally:
            self._free.put(cache)


def tier1_checks(
    variant: Variant, *, services: dict[str, str], caches: CachePool, tag: str
) -> list[CheckRun]:
    project = variant.project
    runs = [_timed("debris", lambda: debris.problems(project))]
    with caches.borrow() as cache:
        env = {"MYPY_CACHE_DIR": str(cache)}
        runs.append(
            _run("mypy --strict", [PYTHON, "-m", "mypy", "--strict", "app", "tests"], project, env)
        )
    if "importlinter" in (project / "pyproject.toml").read_text():
        runs.append(_run("lint-imports", [str(BIN / "lint-imports"), "--no-cache"], project, {}))
    runs.append(
        _timed(
            "boot smoke",
            lambda: boot.boot_smoke(project, variant.answers, services=services, tag=tag),
        )
    )
    return runs


def suite_weight(variant: Variant) -> tuple[bool, bool, bool]:
    """What makes a project's suite long, most first: Qdrant's local mode, a knowledge base,
    accounts (sign-in flows on every transport)."""
    answers = variant.answers
    return (
        answers.get("vector_store") == "qdrant",
        answers.get("vector_store", "none") != "none",
        answers.get("auth") == "jwt",
    )


def suite(variant: Variant, env: Mapping[str, str]) -> list[CheckRun]:
    if variant.coverage_gate:
        return [_run("pytest --cov", [*SUITE, *COVERAGE_GATE], variant.project, env)]
    return [_run("pytest", SUITE, variant.project, env)]


def in_parallel(
    variants: list[Variant],
    job: Callable[[Variant, int], list[CheckRun]],
    *,
    workers: int = WORKERS,
) -> dict[str, list[CheckRun]]:
    def guarded(variant: Variant, number: int) -> list[CheckRun]:
        try:
            return job(variant, number)
        except Exception:  # noqa: BLE001 - reported as the variant's failure, others go on
            return [CheckRun("runner", False, 0.0, traceback.format_exc())]

    done = 0
    lock = threading.Lock()

    def reported(variant: Variant, number: int) -> list[CheckRun]:
        """A line per finished variant on the terminal: a long tier shows it is moving."""
        nonlocal done
        checks = guarded(variant, number)
        with lock:
            done += 1
            result = "passed" if all(c.ok for c in checks) else "FAILED"
            seconds = sum(c.seconds for c in checks)
            print(
                f"tier {variant.tier} [{done}/{len(variants)}] {variant.name}: {result} "
                f"({seconds:.0f}s)",
                file=sys.__stderr__,
                flush=True,
            )
        return checks

    with ThreadPoolExecutor(workers) as pool:
        futures = {v.name: pool.submit(reported, v, n) for n, v in enumerate(variants)}
        return {name: future.result() for name, future in futures.items()}


def run_tier1(
    root: Path, template: Path, variants: list[Variant], services: dict[str, str]
) -> dict[str, VariantRun]:
    rendered = render_all(template, variants)
    runs = {v.name: VariantRun(v.name, v.tier) for v in variants}
    for name, check in rendered.items():
        runs[name].checks.append(check)
    ready = [v for v in variants if runs[v.name].ok]
    for name, checks in ruff_everywhere(root, ready).items():
        runs[name].checks += checks
    caches = CachePool(root)

    def job(variant: Variant, number: int) -> list[CheckRun]:
        return tier1_checks(
            variant, services=services, caches=caches, tag=f"{os.getpid()}_{number}"
        )

    for name, checks in in_parallel(ready, job).items():
        runs[name].checks += checks
    return runs


def run_suites(template: Path, variants: list[Variant], env_for: EnvFor) -> dict[str, VariantRun]:
    rendered = render_all(template, variants)
    runs = {v.name: VariantRun(v.name, v.tier) for v in variants}
    for name, check in rendered.items():
        runs[name].checks.append(check)
    ready = [v for v in variants if runs[v.name].ok]
    longest_first = sorted(ready, key=suite_weight, reverse=True)  # no long one left for last
    checked = in_parallel(longest_first, lambda v, _n: suite(v, env_for(v)), workers=SUITE_WORKERS)
    for name, checks in checked.items():
        runs[name].checks += checks
    return runs


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
