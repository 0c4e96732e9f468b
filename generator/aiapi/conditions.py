"""Conditional questions: `when: "{{ vector_store == 'qdrant' }}"` in copier.yml.

Copier asks such a question only when its condition renders true, and leaves it out of the
answers file otherwise; but a value passed to Copier as data is still rendered into the
templates even when the condition is false. So before Copier runs, aiapi evaluates each
condition against the answers known so far (the given ones, the previous ones on update, and
defaults wherever nothing will be asked) and:

- refuses a flag or `--data` value for a question whose condition is false, in one line. The
  command line contradicts itself (`--vector-store none --qdrant-url ...`); ignoring the value
  with a note would let a script believe its setting took effect, while refusing costs
  nothing, since nothing has been written yet;
- drops such a value when it comes from a preset or an answers file: those are whole answer
  sets, and a flag overriding one of their answers (`--preset production --vector-store
  none`) is expected to make the answers that depended on it moot, as Copier itself does;
- refuses a flag or `--data` value whose condition depends on a question still to be asked
  (`aiapi new svc --qdrant-url URL` without `--vector-store` or `--yes`): whether it applies
  is not known yet, and the message names the answer that settles it;
- tells which unanswered questions will not be asked, so a run without a terminal does not
  wait for them (Copier still asks the others, each only when its condition holds).

A condition that cannot be evaluated here (say, one using a filter from the template's own
Jinja extensions) counts as true: Copier then evaluates it for real.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiapi.errors import AiapiError
from aiapi.questions import Question, TemplateConfig, copier_bool, is_template

if TYPE_CHECKING:
    from jinja2 import Environment


@dataclass(frozen=True)
class Applicable:
    """The given answers that apply, and the questions whose condition is false."""

    answers: dict[str, Any]
    skipped: frozenset[str] = field(default_factory=frozenset)


def applicable_answers(
    config: TemplateConfig,
    answers: Mapping[str, Any],
    labels: Mapping[str, str],
    *,
    previous: Mapping[str, Any],
    settled: bool,
    dst_path: Path,
) -> Applicable:
    """Check `answers` against the conditions of copier.yml (see the module docstring).

    `labels` tells how each command-line answer was given (`--qdrant-url`, `--data
    qdrant_url`); `previous` holds an update's recorded answers; `settled` (--yes) means no
    question will be asked, so every unanswered one takes its default.
    """
    if not config.has_conditions:
        return Applicable(dict(answers))
    return _Evaluation(config, answers, labels, previous, settled, dst_path).run()


class _Evaluation:
    """One pass over the questions in copier.yml order, as Copier's own questionnaire goes."""

    def __init__(
        self,
        config: TemplateConfig,
        answers: Mapping[str, Any],
        labels: Mapping[str, str],
        previous: Mapping[str, Any],
        settled: bool,
        dst_path: Path,
    ) -> None:
        self.config = config
        self.answers = answers
        self.labels = labels
        self.previous = {k: v for k, v in previous.items() if not str(k).startswith("_")}
        self.settled = settled
        self.env = _environment(config.envops)
        # What Copier's render context holds before its first question: every given answer.
        self.context: dict[str, Any] = {
            **self.previous,
            **answers,
            "_copier_conf": {"dst_path": str(dst_path)},
            "_folder_name": dst_path.name,
        }
        self.pending: dict[str, set[str]] = {}  # unknown until asked: key -> questions to ask
        self.uncertain: set[str] = set()  # values aiapi cannot compute (Copier can)
        self.defaulted: set[str] = set()

    def run(self) -> Applicable:
        kept: dict[str, Any] = {}
        skipped: set[str] = set()
        for question in self.config.questions.values():
            holds = self._condition(question)
            key = question.key
            if key in self.answers:
                if holds is True or (holds is None and key not in self.labels):
                    kept[key] = self.answers[key]  # an undecided preset answer: Copier decides
                    continue
                if key in self.labels:
                    raise self._refusal(question, holds)
                del self.context[key]  # a preset's or answers file's answer made moot
            if holds is False and not question.computed:
                skipped.add(key)
            if holds is not False and not self.settled:
                self.pending[key] = {key}  # Copier will ask it
            else:
                self._default(question, keep_previous=holds is not False)
        return Applicable(kept, frozenset(skipped))

    def _condition(self, question: Question) -> bool | None:
        """True or False, or None while it depends on a question still to be asked."""
        if not isinstance(question.when, str):
            return question.when
        names = self._names(question.when)
        if any(name in self.pending for name in names):
            return None
        if any(name in self.uncertain for name in names):
            return True
        try:
            return copier_bool(self.env.from_string(question.when).render(self.context))
        except Exception:  # noqa: BLE001 (any Jinja failure: leave the decision to Copier)
            return True

    def _default(self, question: Question, *, keep_previous: bool) -> None:
        """Record the value Copier takes without asking: the previous answer or the default."""
        key = question.key
        if keep_previous and key in self.previous:  # an update keeps it
            return  # already in the context
        value = question.default
        self.defaulted.add(key)
        if not is_template(value):
            self.context[key] = _typed(question, value)
            return
        waiting = self._waiting_for(self._names(value))
        if waiting:
            self.pending[key] = waiting
            return
        try:
            self.context[key] = _typed(question, self.env.from_string(value).render(self.context))
        except Exception:  # noqa: BLE001 (Copier will render it, or report the error itself)
            self.uncertain.add(key)

    def _waiting_for(self, names: set[str]) -> set[str]:
        """The questions still to be asked that these names depend on."""
        return set().union(*(self.pending[name] for name in names if name in self.pending))

    def _names(self, source: str) -> set[str]:
        from jinja2 import TemplateSyntaxError, meta

        try:
            return set(meta.find_undeclared_variables(self.env.parse(source)))
        except TemplateSyntaxError:
            return set()

    def _refusal(self, question: Question, holds: bool | None) -> AiapiError:
        label, names = self.labels[question.key], self._names(str(question.when))
        prefix = f"{label} applies only when {question.condition}"
        if holds is None:
            waiting = sorted(self._waiting_for(names))
            verb = "is" if len(waiting) == 1 else "are"
            options = " ".join(self.config.questions[k].option for k in waiting)
            return AiapiError(
                f"{prefix}, and {', '.join(waiting)} {verb} still to be asked; "
                f"pass {options} too, or --yes"
            )
        values = ", ".join(
            f"{name}={self.context.get(name)!r}"
            + (" (the default)" if name in self.defaulted else "")
            for name in sorted(names)
            if name in self.config.questions
        )
        if not values:
            return AiapiError(f"{prefix}, which is false here; drop it")
        return AiapiError(f"{prefix}, and here {values}; drop it or change that answer")


def _typed(question: Question, value: Any) -> Any:
    """A rendered default as Copier casts it for the question's type."""
    if not isinstance(value, str):
        return str(value) if question.type in {"str", "path"} and value is not None else value
    if question.type == "bool":
        return copier_bool(value)
    if question.type in {"int", "float"}:
        try:
            return int(value) if question.type == "int" else float(value)
        except ValueError:
            return value
    return value


def _environment(envops: Mapping[str, Any]) -> Environment:
    """Close to Copier's: sandboxed, Ansible's filters, the template's `_envops`."""
    from jinja2 import StrictUndefined, Undefined
    from jinja2.sandbox import SandboxedEnvironment

    options = dict(envops)
    undefined = options.pop("undefined", None)
    options["undefined"] = StrictUndefined if undefined == "jinja2.StrictUndefined" else Undefined
    try:
        return SandboxedEnvironment(
            extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"], **options
        )
    except (ImportError, TypeError):
        return SandboxedEnvironment(undefined=options["undefined"])
