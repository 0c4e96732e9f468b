"""The README's settings table and `.env.example` document exactly the `Settings` fields, each
with its real default, so neither can drift from the code."""

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from app.settings import Settings

PROJECT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \| (.+?) \| .+ \|$")
ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*?)(\s+#.*)?$")
UNSET = "(unset)"


def setting_names() -> list[str]:
    return sorted(name.upper() for name in Settings.model_fields)


def readme_table() -> dict[str, str]:
    """`| `NAME` | default | ... |` rows of the README's Configuration section."""
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = (ROW.match(line) for line in section.splitlines())
    return {row[1]: row[2] for row in rows if row}


def env_example() -> dict[str, str]:
    lines = (PROJECT / ".env.example").read_text(encoding="utf-8").splitlines()
    found = (ASSIGNMENT.match(line) for line in lines)
    return {match[1]: match[2] for match in found if match}


def as_documented(value: Any) -> str:
    """A default as the README's table writes it."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, list):
        value = ",".join(value)
    if value is None or value == "" or isinstance(value, dict):
        return UNSET
    return f"`{value}`"


def suggested_rows(names: list[str], defaults: Settings) -> str:
    """The README rows these settings should have (their descriptions are yours to write)."""
    return "\n".join(
        f"| `{name}` | {as_documented(getattr(defaults, name.lower()))} | ... |" for name in names
    )


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No variable of the machine's (or of another test's) changes a default."""
    for name, field in Settings.model_fields.items():
        monkeypatch.delenv(name.upper(), raising=False)
        for alias in getattr(field.validation_alias, "choices", ()):
            monkeypatch.delenv(str(alias).upper(), raising=False)
    return monkeypatch


def test_the_readme_documents_every_setting_and_nothing_else(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    documented = readme_table()
    missing = [name for name in setting_names() if name not in documented]
    rows = suggested_rows(missing, Settings(_env_file=None))
    assert missing == [], f"add to the README's Configuration table:\n{rows}"
    assert sorted(documented) == setting_names(), "the README documents settings that do not exist"


def test_the_readme_shows_each_default(clean_environment: pytest.MonkeyPatch) -> None:
    """Read back through Settings, every documented default is the real one."""
    defaults = Settings(_env_file=None)
    for name, cell in readme_table().items():
        if cell == UNSET:
            assert as_documented(getattr(defaults, name.lower())) == UNSET, name
        else:
            clean_environment.setenv(name, cell.strip("`"))
    from_readme = Settings(_env_file=None)
    wrong = [
        name
        for name in setting_names()
        if getattr(from_readme, name.lower()) != getattr(defaults, name.lower())
    ]
    assert wrong == [], f"wrong defaults in the README:\n{suggested_rows(wrong, defaults)}"


def test_env_example_lists_every_setting_with_its_default(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    assert sorted(env_example()) == setting_names()
    defaults = Settings(_env_file=None)
    example = Settings(_env_file=PROJECT / ".env.example")
    wrong = [
        name
        for name in setting_names()
        if getattr(example, name.lower()) != getattr(defaults, name.lower())
    ]
    assert wrong == [], "values in .env.example that are not the defaults"
