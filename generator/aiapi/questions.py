"""The questions, read from the packaged copier.yml: the CLI never declares one of its own.

The wheel also carries the same file as JSON (written at build time), so every command, and
`--help` above all, builds its flags without importing Copier or even PyYAML (~20 ms).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from aiapi.errors import AiapiError

TRUE_WORDS = frozenset({"true", "yes", "y", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "off", "0"})
_NATIVE_TYPES = {bool: "bool", int: "int", float: "float", str: "str"}
# Copier's cast_to_bool words, for `when:` values and rendered conditions.
_COPIER_TRUE = frozenset({"y", "yes", "t", "true", "on"})
_COPIER_FALSE = frozenset({"n", "no", "f", "false", "off", "~", "null", "none"})
_ONE_EXPRESSION = re.compile(r"^\s*\{\{-?\s*(?P<expression>.*?)\s*-?\}\}\s*$", re.DOTALL)


def copier_bool(value: Any) -> bool:
    """A `when:` value or a rendered condition read the way Copier reads it."""
    try:
        return bool(float(value))
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _COPIER_TRUE:
            return True
        if not word or word in _COPIER_FALSE:
            return False
    return bool(value)


def is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file with the fast loader."""
    with path.open(encoding="utf-8") as stream:
        return parse_yaml(stream)


def parse_yaml(source: Any) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(source, Loader=loader)  # noqa: S506 (a SafeLoader subclass)


@dataclass(frozen=True)
class Choice:
    label: str
    value: Any


@dataclass(frozen=True)
class Question:
    """One key of copier.yml.

    `when` is True (always asked), False (computed: never asked nor set) or a Jinja
    condition on earlier answers (asked only when it renders true; see aiapi.conditions).
    """

    key: str
    type: str
    help: str
    default: Any
    choices: tuple[Choice, ...] | None
    when: bool | str = True

    @property
    def computed(self) -> bool:
        return self.when is False

    @property
    def condition(self) -> str | None:
        """A conditional question's condition as a person reads it: `vector_store == 'qdrant'`."""
        if not isinstance(self.when, str):
            return None
        match = _ONE_EXPRESSION.match(self.when)
        if match and "{{" not in match["expression"] and "}}" not in match["expression"]:
            return " ".join(match["expression"].split())
        return " ".join(self.when.split())

    @property
    def option(self) -> str:
        return "--" + self.key.replace("_", "-")

    @property
    def templated_default(self) -> bool:
        return is_template(self.default)

    @property
    def default_text(self) -> str | None:
        """The default as a person reads it (Jinja defaults described, not shown)."""
        if self.default is None:
            return None
        if self.templated_default:
            if "dst_path" in self.default:
                return "DEST's folder name"
            return "derived from earlier answers"
        if self.type == "bool":  # the flag that gives the default
            return self.option if self.default else "--no-" + self.option[2:]
        return str(self.default)

    @property
    def choice_values(self) -> list[Any]:
        return [choice.value for choice in self.choices or ()]

    def from_text(self, text: str) -> Any:
        """Read a value typed on the command line (`--data`, a flag) as this question's type."""
        if self.type == "bool":
            word = text.strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise AiapiError(f"{self.key}={text!r} is not a yes/no value; use true or false")
        if self.type in {"int", "float"}:
            try:
                return int(text) if self.type == "int" else float(text)
            except ValueError:
                raise AiapiError(f"{self.key}={text!r} is not a number ({self.type})") from None
        if self.type == "json":
            try:
                return json.loads(text)
            except ValueError:
                raise AiapiError(f"{self.key}={text!r} is not valid JSON") from None
        if self.type == "yaml":
            import yaml

            try:
                return parse_yaml(text)
            except yaml.YAMLError:
                raise AiapiError(f"{self.key}={text!r} is not valid YAML") from None
        return text  # str and path stay text: "3.12" is not a float

    def normalize(self, value: Any) -> Any:
        """Check a value of any origin against the type and the choices; return it typed."""
        if isinstance(value, str):
            value = self.from_text(value)
        elif (
            self.type in {"str", "path"}
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            value = str(value)  # an unquoted `python_version: 3.12` in a YAML file
        elif self.type in {"str", "path", "bool", "int", "float"} and not isinstance(
            value, _TYPE_CHECKS[self.type]
        ):
            raise AiapiError(f"{self.key}={value!r} is not a {self.type}")
        if self.choices is not None and value not in self.choice_values:
            allowed = ", ".join(str(v) for v in self.choice_values)
            raise AiapiError(f"{self.key}={value!r} is not allowed; choose one of: {allowed}")
        return value


_TYPE_CHECKS: dict[str, type | tuple[type, ...]] = {
    "str": str,
    "path": str,
    "bool": bool,
    "int": int,
    "float": (int, float),
}


@dataclass(frozen=True)
class TemplateConfig:
    """Questions in copier.yml order, plus the settings the CLI needs."""

    questions: dict[str, Question]
    answers_file: str
    envops: dict[str, Any] = field(default_factory=dict)  # copier.yml's `_envops` (Jinja)

    @property
    def askable(self) -> list[Question]:
        return [q for q in self.questions.values() if not q.computed]

    @property
    def has_conditions(self) -> bool:
        return any(isinstance(q.when, str) for q in self.questions.values())

    def question(self, key: str, source: str) -> Question:
        """The question a user-given key names; computed and unknown keys are refused."""
        question = self.questions.get(key)
        if question is None:
            known = ", ".join(q.key for q in self.askable)
            raise AiapiError(f"unknown question {key!r} in {source}; known questions: {known}")
        if question.computed:
            raise AiapiError(
                f"{key!r} in {source} is computed from other answers and cannot be set"
            )
        return question


def _type_of(spec: dict[str, Any]) -> str:
    declared = spec.get("type")
    if isinstance(declared, str):
        return declared
    # Copier infers the type from the default, falling back to YAML.
    return _NATIVE_TYPES.get(type(spec.get("default")), "yaml")


def _choices(raw: Any, type_name: str) -> tuple[Choice, ...] | None:
    """`Label: value` maps and plain lists; Jinja-rendered choices are left to Copier."""
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        pairs = [tuple(item) if isinstance(item, list) else (item, item) for item in raw]
    else:
        return None
    choices = []
    for label, value in pairs:
        if isinstance(value, dict):  # extended form: {value: ..., validator: ...}
            value = value.get("value")
        if type_name in {"str", "path"} and not isinstance(value, str):
            value = str(value)
        choices.append(Choice(label=str(label), value=value))
    return tuple(choices)


def _when(raw: Any) -> bool | str:
    """Keep a Jinja condition as text; read anything else as Copier would (`when: 0` is false)."""
    return raw if is_template(raw) else copier_bool(raw)


def parse_config(data: Any) -> TemplateConfig:
    if not isinstance(data, dict):
        raise AiapiError("copier.yml is not a mapping of questions", 1)
    questions: dict[str, Question] = {}
    for key, spec in data.items():
        if str(key).startswith("_"):
            continue
        if not isinstance(spec, dict):  # shorthand `key: default`
            spec = {"default": spec}
        type_name = _type_of(spec)
        questions[key] = Question(
            key=key,
            type=type_name,
            help=str(spec.get("help", key)).strip(),
            default=spec.get("default"),
            choices=_choices(spec.get("choices"), type_name),
            when=_when(spec.get("when", True)),
        )
    envops = data.get("_envops")
    return TemplateConfig(
        questions=questions,
        answers_file=str(data.get("_answers_file", ".copier-answers.yml")),
        envops=dict(envops) if isinstance(envops, dict) else {},
    )


@cache
def template_config() -> TemplateConfig:
    """The packaged copier.yml, parsed once per process."""
    from aiapi.packaged import packaged_data

    copier_yml = packaged_data().copier_yml
    as_json = copier_yml.with_name(QUESTIONS_JSON)
    if as_json.is_file():
        return parse_config(json.loads(as_json.read_text(encoding="utf-8")))
    return parse_config(load_yaml(copier_yml))


QUESTIONS_JSON = "questions.json"  # copier.yml as JSON, written by the build hook
