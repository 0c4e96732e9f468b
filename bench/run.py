"""All the benchmarks in one run: the generator, the service and the knowledge base.

    python bench/run.py [--quick] [--only generator,service,rag] [--out docs/benchmarks.md]
    python -m bench ...            (the same, from the repository's top)

Prints one table and writes it, with the machine, the date and how to reproduce, to
docs/benchmarks.md (`--out -` writes nothing). Each figure is a ratio against a floor measured
in the same run (absolute times move 10-30% on a shared machine; ratios much less), with its
target beside it. `--quick` is a tiny run (well under a minute) that only shows the entry point
works: the test suite runs it, and its figures mean nothing.

Needs this checkout's test environment (`./scripts/test --co -q` sets up .venv with aiapi,
Copier and every template dependency); peer generators are installed from PyPI into temporary
virtual environments, and a peer that cannot be installed or run offline is skipped with one line.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, Row, machine, skipped

SECTIONS = ("generator", "service", "rag")
TITLES = {
    "generator": "Generator (whole processes, medians of pairs)",
    "service": "Service (fake model, one uvicorn worker, load from another process on loopback)",
    "rag": "Knowledge base (embedded stores, offline hash embedder)",
}


def section_runner(name: str) -> Callable[[Path, bool], list[Row]]:
    if name == "generator":
        import generation

        return lambda work, quick: generation.run(work, quick=quick)
    if name == "service":
        import service

        return lambda work, quick: service.run(work, quick=quick)
    import rag

    return lambda work, quick: rag.run(work, quick=quick)


def table(rows: list[Row]) -> list[str]:
    lines = ["| measure | ours | floor | ours / floor | target | |", "|---|---|---|---|---|---|"]
    for row in rows:
        if row.skipped:
            lines.append(f"| {row.measure} | skipped: {row.skipped} | | | | |")
            continue
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
        note = f" ({row.note})" if row.note else ""
        lines.append(
            f"| {row.measure}{note} | {row.ours} | {row.floor} | {ratio} | {row.target} "
            f"| {row.verdict} |"
        )
    return lines


def print_rows(name: str, rows: list[Row]) -> None:
    print(f"\n{TITLES[name]}")
    for row in rows:
        if row.skipped:
            print(f"  {row.measure:<78} skipped: {row.skipped}")
            continue
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
        print(
            f"  {row.measure[:78]:<78} {row.ours:>14} {row.floor:>14} {ratio:>8}  "
            f"{row.target:<12} {row.verdict.strip('*')}"
        )
    sys.stdout.flush()


def markdown(
    results: dict[str, list[Row]],
    *,
    quick: bool,
    started: datetime.datetime,
    minutes: float,
    before: dict[str, str],
    after: dict[str, str],
    notes: str,
) -> str:
    command = "python bench/run.py" + (" --quick" if quick else "")
    lines = [
        "# Benchmarks",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `{command}` in {minutes:.1f} minutes on "
        f"{before['cpu']}, {before['cores']} cores, {before['python']}, {before['system']}; "
        f"load average {before['load']} at the start and {after['load']} at the end "
        "(the machine is shared: absolute times move with whatever else runs, which is why "
        "every figure is a ratio against a floor measured in the same run, pair by pair).",
        "",
        "Reproduce on a clean clone (under 15 minutes on an idle 2-core machine, longer on a "
        "busy one; `--quick` takes about a minute and only shows that the entry point works):",
        "",
        "```",
        "./scripts/test --co -q >/dev/null   # .venv with aiapi, Copier and the template's deps",
        ".venv/bin/python bench/run.py       # or: .venv/bin/python -m bench",
        "```",
        "",
        "`--only generator,service,rag` runs some sections; `--out -` prints without writing this "
        "file. How each figure is taken is in the docstrings of `bench/generation.py`, "
        "`bench/service.py` and `bench/rag.py`; the speed tricks inside the generated service and "
        "what each is worth are in `bench/NOTES.md`.",
    ]
    for name, rows in results.items():
        lines += ["", f"## {TITLES[name]}", "", *table(rows)]
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run: checks the entry point")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument(
        "--out",
        help="where to write the report: docs/benchmarks.md by default, nowhere for --quick "
        "unless given; `-` writes nothing",
    )
    parser.add_argument(
        "--notes",
        type=Path,
        default=REPO / "bench" / "analysis.md",
        help="markdown added after the tables (what the misses are and why)",
    )
    args = parser.parse_args()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    started = datetime.datetime.now(datetime.UTC)
    clock = time.monotonic()
    before = machine()
    print(f"{before['cpu']}, {before['cores']} cores, {before['python']}, load {before['load']}")
    results: dict[str, list[Row]] = {}
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="aiapi-bench-") as tmp:
        for name in chosen:
            work = Path(tmp) / name
            work.mkdir()
            section_started = time.monotonic()
            print(f"\n[{name}] measuring ...", flush=True)
            try:
                rows = section_runner(name)(work, args.quick)
            except Exception as error:  # noqa: BLE001 (one broken section must not hide the others)
                traceback.print_exc()
                failed.append(name)
                rows = [skipped(name, name, f"failed: {type(error).__name__}: {error}")]
            results[name] = rows
            print(f"[{name}] {time.monotonic() - section_started:.0f} s", flush=True)
            print_rows(name, rows)
    minutes = (time.monotonic() - clock) / 60
    print(f"\ntotal {minutes:.1f} minutes")
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)} (nothing written)")
    out_path = args.out or (None if args.quick else str(REPO / "docs" / "benchmarks.md"))
    if out_path and out_path != "-":
        notes = args.notes.read_text() if args.notes.is_file() and not args.quick else ""
        out = Path(out_path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            markdown(
                results,
                quick=args.quick,
                started=started,
                minutes=minutes,
                before=before,
                after=machine(),
                notes=notes,
            )
        )
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
