"""Every valid answer combination, read from copier.yml and judged by Copier itself.

Nothing here lists answers by hand: the questions with choices (and the booleans) come from
copier.yml, their product is filtered by Copier's own question loop (validators and `when:`
conditions), and a question is *code-affecting* when its name appears in a path or a Jinja file
of the generated code (app/, tests/, migrations/, pyproject.toml). A new question therefore joins
the matrix, and the right tier, by being added to copier.yml.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import math
import random
import re
import shutil
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
COPIER_YML = REPO / "copier.yml"
TEMPLATE = REPO / "template"
PRESETS = REPO / "presets"
# Where an answer changes what is type-checked, linted, imported or tested.
CODE_PATHS = ("app", "tests", "migrations", "pyproject.toml.jinja")

Answers = dict[str, Any]


@dataclass(frozen=True)
class Question:
    name: str
    values: tuple[Any, ...]  # the default first
    code: bool  # changes the generated code (else: packaging, e.g. Dockerfile, CI)


def load_copier_yml() -> dict[str, Any]:
    data = yaml.safe_load(COPIER_YML.read_text())
    assert isinstance(data, dict)
    return data


def _mentions(name: str) -> bool:
    """Whether a code path of the template names the answer (in a path or a Jinja file)."""
    word = re.compile(rf"\b{re.escape(name)}\b")
    for top in CODE_PATHS:
        root = TEMPLATE / top
        paths = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in paths:
            if word.search(str(path.relative_to(TEMPLATE))):
                return True
            if path.suffix == ".jinja" and word.search(path.read_text(errors="replace")):
                return True
    return False


@functools.cache
def questions() -> tuple[Question, ...]:
    """The questions whose answer is picked from a finite set (choices, or a bool)."""
    found = []
    for name, spec in load_copier_yml().items():
        if name.startswith("_") or not isinstance(spec, dict) or spec.get("when") is False:
            continue
        if "choices" in spec:
            choices = spec["choices"]
            values = list(choices.values() if isinstance(choices, dict) else choices)
        elif spec.get("type") == "bool":
            values = [True, False]
        else:
            continue  # free text: its default is used everywhere
        default = spec.get("default", values[0])
        values.sort(key=lambda value: bool(value != default))
        found.append(Question(name, tuple(values), _mentions(name)))
    return tuple(found)


def code_questions() -> tuple[Question, ...]:
    return tuple(q for q in questions() if q.code)


def packaging_questions() -> tuple[Question, ...]:
    return tuple(q for q in questions() if not q.code)


def snapshot(destination: Path) -> Path:
    """copier.yml and template/ of this working tree (uncommitted edits included) as a plain
    folder: Copier then renders it directly, without cloning the repository each time."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy2(COPIER_YML, destination / "copier.yml")
    shutil.copytree(TEMPLATE, destination / "template", dirs_exist_ok=True)
    return destination


class CopierJudge:
    """Asks Copier's own question loop whether it accepts a set of answers.

    One Worker is reused and its Jinja environment caches compiled expressions: Copier compiles
    every default, validator and condition again for each question otherwise (~60 ms a call)."""

    def __init__(self, template: Path) -> None:
        # Copier's question loop has no public entry point short of rendering a project.
        from copier._main import Worker

        self._scratch = Path(tempfile.mkdtemp(prefix="aiapi-judge-"))
        self.worker = Worker(
            src_path=str(template),
            dst_path=self._scratch,
            data={},
            defaults=True,
            unsafe=True,
            quiet=True,
        )
        env = self.worker.jinja_env
        env.from_string = functools.lru_cache(maxsize=None)(env.from_string)  # type: ignore[method-assign,assignment]

    def judge(self, answers: Mapping[str, Any]) -> tuple[str | None, frozenset[str]]:
        """(Copier's refusal or None, the questions whose `when:` is false for these answers)."""
        self.worker.data = {"project_name": "demo", **answers}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self.worker._ask()
            except ValueError as error:
                return str(error), frozenset()
        return None, frozenset(self.worker.answers.hidden)

    def close(self) -> None:
        shutil.rmtree(self._scratch, ignore_errors=True)


@dataclass
class Enumeration:
    valid: list[Answers]  # every choice question answered; `when: false` ones at their default
    refused: list[tuple[Answers, str]]  # what Copier refused, with its message
    asked: tuple[Question, ...] = ()
    candidates: int = 0

    def code_combinations(self) -> list[Answers]:
        """The distinct code-affecting parts of the valid answers (tier 1's combinations)."""
        names = [q.name for q in self.asked if q.code]
        seen: dict[tuple[Any, ...], Answers] = {}
        for answers in self.valid:
            seen.setdefault(tuple(answers[n] for n in names), {n: answers[n] for n in names})
        return list(seen.values())


def enumerate_answers(template: Path) -> Enumeration:
    """The product of every choice question's values, filtered by Copier."""
    asked = questions()
    defaults = {q.name: q.values[0] for q in asked}
    judge = CopierJudge(template)
    result = Enumeration(valid=[], refused=[], asked=asked)
    seen: set[tuple[Any, ...]] = set()
    try:
        for values in itertools.product(*(q.values for q in asked)):
            result.candidates += 1
            answers = dict(zip((q.name for q in asked), values, strict=True))
            refusal, hidden = judge.judge(answers)
            if refusal is not None:
                result.refused.append((answers, refusal))
                continue
            # An answer to a question Copier does not ask is dropped: the same project.
            canonical = {n: defaults[n] if n in hidden else v for n, v in answers.items()}
            key = tuple(canonical.values())
            if key not in seen:
                seen.add(key)
                result.valid.append(canonical)
    finally:
        judge.close()
    return result


# --- Names ------------------------------------------------------------------------------


def label(answers: Mapping[str, Any]) -> str:
    """`openai-jwt-sqlite-memory-sqlite_vec`, plus non-default packaging answers."""
    code = "-".join(str(answers[q.name]) for q in code_questions())
    extra = [
        f"{q.name}={answers[q.name]}"
        for q in packaging_questions()
        if q.name in answers and answers[q.name] != q.values[0]
    ]
    return "+".join([code, *extra])


def complete(answers: Mapping[str, Any]) -> Answers:
    """Every choice question answered: the defaults under the given answers."""
    return {**{q.name: q.values[0] for q in questions()}, **answers}


def presets() -> dict[str, Answers]:
    found = {}
    for path in sorted(PRESETS.glob("*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        found[f"preset-{path.stem}"] = complete(
            {k: v for k, v in data.items() if not k.startswith("_")}
        )
    return found


# --- Pairwise covering set --------------------------------------------------------------

Pair = tuple[tuple[str, Any], tuple[str, Any]]


def pairs_of(answers: Mapping[str, Any]) -> set[Pair]:
    items = [(q.name, answers[q.name]) for q in questions()]
    return set(itertools.combinations(items, 2))


@dataclass
class Cover:
    name: str
    answers: Answers
    new_pairs: list[Pair] = field(default_factory=list)


def covering_set(valid: list[Answers], seeds: Mapping[str, Answers]) -> tuple[list[Cover], int]:
    """The seeds (presets) first, then as few valid combinations as cover every pair of answer
    values that some valid combination has. Returns the covers and the pairs to cover.

    Each suite costs minutes, so the size matters: it is searched upward from its lower bound
    by a seeded local search (the same set every run), with the greedy cover (each time the
    combination covering most pairs left) as the fallback. Greedy alone took 12 combinations
    beside the presets where 9 do."""
    wanted: set[Pair] = set().union(*(pairs_of(a) for a in valid))
    left = wanted - set().union(*(pairs_of(a) for a in seeds.values()))
    chosen = _greedy_cover(valid, left)
    rng = random.Random(0)  # noqa: S311 - a reproducible search, not a secret
    for size in range(_lower_bound(left), len(chosen)):
        found = _search_cover(valid, left, size, rng)
        if found is not None:
            chosen = found
            break
    covers = []
    uncovered = set(wanted)
    for name, answers in [*seeds.items(), *((label(a), a) for a in chosen)]:
        new = pairs_of(answers) & uncovered
        uncovered -= new
        covers.append(Cover(name, dict(answers), sorted(new, key=repr)))
    return covers, len(wanted)


def _lower_bound(pairs: set[Pair]) -> int:
    """One combination holds one value of each question: two questions' pairs need as many."""
    per_questions = Counter((a, b) for (a, _), (b, _) in pairs)
    return max(per_questions.values(), default=0)


def _greedy_cover(valid: list[Answers], pairs: set[Pair]) -> list[Answers]:
    uncovered, chosen = set(pairs), []
    while uncovered:
        best = max(valid, key=lambda a: len(pairs_of(a) & uncovered))  # earliest on ties
        uncovered -= pairs_of(best)
        chosen.append(best)
    return chosen


def _search_cover(
    valid: list[Answers], pairs: set[Pair], size: int, rng: random.Random, steps: int = 30_000
) -> list[Answers] | None:
    """Simulated annealing over `size` valid combinations: change one answer of one of them,
    keep the change if no more pairs are left uncovered (or, less often as it cools, if a few
    more are), until every pair is covered or the steps run out."""
    allowed = {tuple(sorted(a.items())) for a in valid}
    rows = [dict(rng.choice(valid)) for _ in range(size)]
    covering = Counter(pair for row in rows for pair in pairs_of(row) & pairs)
    uncovered = len(pairs) - len(covering)
    temperature = 1.0
    for _ in range(steps):
        if uncovered == 0:
            return rows
        index, question = rng.randrange(size), rng.choice(questions())
        changed = {**rows[index], question.name: rng.choice(question.values)}
        if tuple(sorted(changed.items())) not in allowed:
            continue
        before, after = pairs_of(rows[index]) & pairs, pairs_of(changed) & pairs
        lost, gained = before - after, after - before
        delta = sum(covering[p] == 1 for p in lost) - sum(covering[p] == 0 for p in gained)
        if delta <= 0 or rng.random() < math.exp(-delta / temperature):
            covering.subtract(lost)
            covering.update(gained)
            covering = +covering  # drops the pairs no longer covered
            rows[index] = changed
            uncovered += delta
        temperature = max(0.05, temperature * 0.9997)
    return rows if uncovered == 0 else None


def describe_pairs(pairs: Iterable[Pair]) -> str:
    return ", ".join(f"{a}={va}&{b}={vb}" for (a, va), (b, vb) in pairs)


# --- The tiers --------------------------------------------------------------------------


@dataclass
class Plan:
    template: Path  # the snapshot of this working tree that every variant is rendered from
    enumeration: Enumeration
    covers: list[Cover]
    pairs: int  # pairs of answer values that some valid combination has

    def tier(self, tier: str) -> list[tuple[str, Answers]]:
        """Tier 1 and 3: every code combination; tier 2: the covering set (presets first).

        Tier 1/3 combinations take the packaging answers of the tier-2 variant with the same code,
        if any (the project is rendered once for both), else the valid packaging answers in turn,
        so each packaging value is rendered and checked for debris across the matrix too."""
        if tier == "2":
            return [(cover.name, cover.answers) for cover in self.covers]
        names = [q.name for q in code_questions()]
        by_code = {tuple(c.answers[n] for n in names): c.answers for c in self.covers}
        chosen = []
        for number, code in enumerate(self.enumeration.code_combinations()):
            key = tuple(code.values())
            options = [a for a in self.enumeration.valid if tuple(a[n] for n in names) == key]
            answers = by_code.get(key) or options[number % len(options)]
            chosen.append((label(code), answers))
        return chosen


@functools.cache
def plan() -> Plan:
    template = snapshot(Path(tempfile.mkdtemp(prefix="aiapi-template-")) / "template")
    atexit.register(shutil.rmtree, template.parent, ignore_errors=True)
    enumeration = enumerate_answers(template)
    covers, pairs = covering_set(enumeration.valid, presets())
    return Plan(template, enumeration, covers, pairs)


def parse_label(text: str) -> Answers | None:
    """The answers a `label()` names (so a failing variant of the table can be rendered again)."""
    code, *extra = text.split("+")
    values = code.split("-")
    asked = code_questions()
    if len(values) != len(asked) or any(
        v not in [str(x) for x in q.values] for q, v in zip(asked, values, strict=True)
    ):
        return None
    answers: Answers = {}
    for question, value in zip(asked, values, strict=True):
        answers[question.name] = next(x for x in question.values if str(x) == value)
    for item in extra:
        name, _, value = item.partition("=")
        found = next((q for q in packaging_questions() if q.name == name), None)
        if found is None or value not in [str(x) for x in found.values]:
            return None
        answers[name] = next(x for x in found.values if str(x) == value)
    return answers
