"""Generator speed, whole processes: `aiapi` against Copier and the generators users would pick.

Every figure is the median of per-pair ratios, each pair (ours, floor) run back to back in
alternating order: `aiapi --help` against `copier --help`; `aiapi new --yes --no-git` against
`copier copy --defaults` of the same template source and commit (read from the answers file
`aiapi new` recorded); `aiapi update` of an unchanged project against `copier update` of an
identical one; and peer generators, installed from PyPI into virtual environments of their
own, against `aiapi new` in the same mode (a peer that commits is paired with an `aiapi new`
that commits too).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from common import Row, paired, ratio_of_pairs, run_timed, seconds, skipped

SECTION = "generator"
BIN = Path(sys.executable).parent
NEW_TARGET = 0.7  # seconds, whole process: the stretch target
PEER_PROJECT = "peerapp"  # a name every peer keeps as is (agent-starter-pack turns _ into -)


@dataclass(frozen=True)
class Peer:
    """A generator from PyPI: how to install it and how to make one project with it."""

    name: str
    package: str
    commits: bool  # whether its generation ends with a git commit
    note: str

    def command(self, venv: Path, dest: Path, stub: Path) -> tuple[list[str], dict[str, str]]:
        env = {**os.environ, "PATH": f"{stub}:{venv / 'bin'}:{os.environ.get('PATH', '')}"}
        env.pop("VIRTUAL_ENV", None)
        if self.package == "fastapi-template":
            # Its post-generation hook runs `uv sync` and pre-commit through uv: the stub `uv`
            # on PATH makes those no-ops, so only the rendering and its git commit are timed.
            return [
                str(venv / "bin" / "fastapi_template"), "--quiet", "-n", dest.name,
                "--api-type", "rest", "--db", "sqlite", "--orm", "sqlalchemy", "--ci", "github",
                "--redis", "--migrations", "--routers", "--prometheus", "--jwt-auth",
            ], env  # fmt: skip
        if self.package == "fastapi-fullstack":
            return [
                str(venv / "bin" / "fastapi-fullstack"), "create", dest.name, "-o",
                str(dest.parent), "--no-env",
            ], env  # fmt: skip
        return [
            str(venv / "bin" / "agent-starter-pack"), "create", dest.name, "-a", "adk", "-d",
            "none", "--yes", "--skip-checks", "--prototype", "-o", str(dest.parent),
        ], env  # fmt: skip


PEERS = (
    Peer(
        "s3rius fastapi-template",
        "fastapi-template",
        True,
        "REST + SQLite/SQLAlchemy + Redis + JWT; its `uv sync` and pre-commit stubbed; "
        "git init and commit included",
    ),
    Peer("vstorm-co fastapi-fullstack", "fastapi-fullstack", False, "defaults, no .env"),
    Peer("agent-starter-pack", "agent-starter-pack", False, "adk agent, prototype, no deploy"),
)


class Generator:
    """Runs in one scratch folder with its own template store (AIAPI_HOME)."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.env = {**os.environ, "AIAPI_HOME": str(work / "home"), "GIT_TERMINAL_PROMPT": "0"}
        self.count = 0

    def fresh(self, name: str = "proj") -> Path:
        """A new empty parent folder; the project's folder name is the same every time, so the
        answers derived from it (project_name) are too."""
        self.count += 1
        parent = self.work / f"run{self.count}"
        parent.mkdir()
        return parent / name

    def aiapi_new(self, *, git: bool) -> float:
        command = [str(BIN / "aiapi"), "new", str(self.fresh()), "--yes"]
        return run_timed([*command] if git else [*command, "--no-git"], env=self.env)


def _source(project: Path) -> tuple[str, str]:
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return str(Path(recorded["_src_path"]).expanduser()), str(recorded["_commit"])


def _install(peer: Peer, venv: Path) -> str | None:
    """Install a peer in a venv of its own (uv when this interpreter has it, else venv and
    pip); the reason when it cannot be."""
    python = str(venv / "bin" / "python")
    if importlib.util.find_spec("uv") is not None:
        steps = [
            [sys.executable, "-m", "uv", "venv", "-q", "--python", sys.executable, str(venv)],
            [sys.executable, "-m", "uv", "pip", "install", "-q", "--python", python, peer.package],
        ]
    else:
        steps = [
            [sys.executable, "-m", "venv", str(venv)],
            [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", peer.package],
        ]
    try:
        for step in steps:
            subprocess.run(step, check=True, capture_output=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", b"") or b""
        last = detail.decode(errors="replace").strip().splitlines()[-1:] or [str(error)]
        return f"cannot be installed ({last[0][:120]})"
    return None


def compared(
    measure: str, ours: list[float], floor: list[float], limit: float, note: str = ""
) -> Row:
    """The row for timings taken in alternating pairs: medians, and the ratio held to `limit`."""
    ratio = ratio_of_pairs(ours, floor)
    return Row(
        SECTION,
        measure,
        seconds(statistics.median(ours)),
        seconds(statistics.median(floor)),
        ratio,
        f"<= {limit:.2f}x",
        ratio <= limit,
        note,
    )


def _help_rows(gen: Generator, runs: int) -> list[Row]:
    ours, floor = paired(
        runs,
        lambda _: run_timed([str(BIN / "aiapi"), "--help"], env=gen.env),
        lambda _: run_timed([str(BIN / "copier"), "--help"], env=gen.env),
    )
    python = statistics.median(run_timed([sys.executable, "-c", "pass"]) for _ in range(runs))
    measure = "`aiapi --help` vs `copier --help`"
    return [compared(measure, ours, floor, 1.0, f"bare interpreter start {seconds(python)}")]


def _new_rows(gen: Generator, runs: int) -> tuple[list[Row], float]:
    warm = gen.fresh()
    run_timed([str(BIN / "aiapi"), "new", str(warm), "--yes", "--no-git"], env=gen.env)
    source, commit = _source(warm)
    copier = [str(BIN / "copier"), "copy", "--defaults", "--trust", "--quiet"]
    copier += ["--vcs-ref", commit, source]
    ours, floor = paired(
        runs,
        lambda _: gen.aiapi_new(git=False),
        lambda _: run_timed([*copier, str(gen.fresh())], env=gen.env),
    )
    new = statistics.median(ours)
    measure = "`aiapi new --yes --no-git` vs `copier copy --defaults` (same template and commit)"
    return [
        compared(measure, ours, floor, 1.10),
        Row(
            SECTION,
            "`aiapi new --yes --no-git`, whole process (stretch)",
            seconds(new),
            target=f"< {NEW_TARGET} s",
            met=new < NEW_TARGET,
        ),
    ], new


def _update_rows(gen: Generator, runs: int) -> list[Row]:
    """Two identical committed projects: `aiapi update` on one, `copier update` on the other.
    Neither changes anything (the same template commit), so each run starts from the same state."""
    ours_project, floor_project = gen.fresh(), gen.fresh()
    for project in (ours_project, floor_project):
        run_timed([str(BIN / "aiapi"), "new", str(project), "--yes"], env=gen.env)
    _, commit = _source(ours_project)
    copier = [str(BIN / "copier"), "update", "--defaults", "--trust", "--quiet"]
    copier += ["--vcs-ref", commit, "--conflict", "inline"]

    def unchanged(project: Path) -> None:
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True
        )
        if status.stdout.strip():
            raise RuntimeError(f"an update of an unchanged project changed it:\n{status.stdout}")

    def ours(_: int) -> float:
        elapsed = run_timed(
            [str(BIN / "aiapi"), "update", "--yes", "--quiet"], cwd=ours_project, env=gen.env
        )
        unchanged(ours_project)
        return elapsed

    def floor(_: int) -> float:
        elapsed = run_timed(copier, cwd=floor_project, env=gen.env)
        unchanged(floor_project)
        return elapsed

    mine, theirs = paired(runs, ours, floor)
    measure = "`aiapi update --yes` of an unchanged project vs `copier update --defaults`"
    return [compared(measure, mine, theirs, 1.10)]


def _peer_rows(gen: Generator, runs: int) -> list[Row]:
    rows: list[Row] = []
    stub = gen.work / "stub"
    stub.mkdir()
    (stub / "uv").write_text("#!/bin/sh\nexit 0\n")
    (stub / "uv").chmod(0o755)
    for peer in PEERS:
        measure = f"`aiapi new --yes{'' if peer.commits else ' --no-git'}` vs {peer.name}"
        venv = gen.work / "peers" / peer.package
        problem = _install(peer, venv)
        if problem is None:
            probe = gen.fresh(PEER_PROJECT)
            try:
                command, env = peer.command(venv, probe, stub)
                run_timed(command, cwd=probe.parent, env=env, timeout=300)
                if not probe.is_dir():
                    problem = "ran, but made no project offline"
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                problem = f"cannot run offline ({str(error).splitlines()[0][:120]})"
        if problem is not None:
            print(f"  skipped {peer.name}: {problem}", flush=True)
            rows.append(skipped(SECTION, measure, f"{peer.name} {problem}"))
            continue

        def theirs(_: int, peer: Peer = peer, venv: Path = venv) -> float:
            dest = gen.fresh(PEER_PROJECT)
            command, env = peer.command(venv, dest, stub)
            return run_timed(command, cwd=dest.parent, env=env, timeout=300)

        def ours(_: int, commits: bool = peer.commits) -> float:
            return gen.aiapi_new(git=commits)

        mine, other = paired(runs, ours, theirs)
        rows.append(compared(measure, mine, other, 1.0, peer.note))
    return rows


def run(work: Path, *, quick: bool) -> list[Row]:
    if not (BIN / "aiapi").exists() or not (BIN / "copier").exists():
        return [skipped(SECTION, "generator", f"aiapi or copier is not installed in {BIN}")]
    if shutil.which("git") is None:
        return [skipped(SECTION, "generator", "git is not installed")]
    gen = Generator(work)
    runs = 1 if quick else 5
    rows = _help_rows(gen, runs)
    new_rows, _ = _new_rows(gen, runs)
    rows += new_rows
    if quick:
        rows.append(skipped(SECTION, "`aiapi update`", "not in --quick"))
        rows.append(skipped(SECTION, "peer generators", "not in --quick (installs from PyPI)"))
    else:
        rows += _update_rows(gen, runs)
        rows += _peer_rows(gen, runs)
    return rows
