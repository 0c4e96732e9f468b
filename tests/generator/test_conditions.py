"""A question asked only when an earlier answer allows it (`when: "{{ ... }}"` in copier.yml).

The fixture template adds `qdrant_url` (asked only when vector_store == 'qdrant') to the
packaged questions; the CLI is built from its copier.yml as aiapi would be had it shipped it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pexpect
import pytest
import yaml

from aiapi.conditions import Applicable, applicable_answers
from aiapi.errors import AiapiError
from aiapi.questions import parse_config
from cli_helpers import (
    CLEAR_LINE,
    DOWN,
    NARROW,
    Cli,
    answers_of,
    assert_options_fit_80_columns,
    cli_for,
    commit_all,
    config_of,
    git,
    make_conditional_template,
    one_error_line,
    spawn,
)

CONDITION = "vector_store == 'qdrant'"
DEFAULT_URL = "http://localhost:6333"
URL = "http://qdrant.internal:6333"
# Every question but vector_store and qdrant_url, so a prompt asks only those.
OTHERS = (
    "--project-name", "svc", "--description", "d", "--author-name", "a",
    "--author-email", "a@example.com", "--python-version", "3.12", "--llm-provider", "openai",
    "--auth", "jwt", "--database", "sqlite", "--cache", "memory", "--no-docker", "--ci", "none",
)  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_conditional_template(tmp_path_factory.mktemp("conditional") / "tpl")


@pytest.fixture
def cli(template: Path) -> Cli:
    return cli_for(template)


def _new(cli: Cli, template: Path, *args: str) -> Path:
    result = cli("new", "svc", "--template", template, "-q", *args)
    assert result.exit_code == 0, result.output
    return Path("svc").absolute()


# -- what the CLI shows ------------------------------------------------------------------------


def test_help_shows_the_flag_and_its_condition(cli: Cli) -> None:
    result = cli("new", "--help")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.replace("│", " ").split())
    assert "--qdrant-url TEXT URL of the Qdrant server (asked only when vector_store ==" in text
    assert f"(asked only when {CONDITION})" in text


def test_options_show_the_condition(template: Path) -> None:
    listed = json.loads(cli_for(template)("options", "--json").stdout)
    when = {q["key"]: q["when"] for q in listed["questions"]}
    assert when["qdrant_url"] == CONDITION
    assert when["vector_store"] is None
    result = cli_for(template, NARROW)("options")
    assert result.exit_code == 0, result.output
    assert_options_fit_80_columns(result.stdout, config_of(template))
    lines = "\n".join(line.rstrip() for line in result.stdout.splitlines())
    assert (
        f"--qdrant-url  str, default: {DEFAULT_URL}\n    URL of the Qdrant server\n"
        f"    asked only when: {CONDITION}\n"
    ) in lines


# -- condition true ----------------------------------------------------------------------------


def test_condition_true_accepts_the_flag(cli: Cli, template: Path, workdir: Path) -> None:
    project = _new(cli, template, "--yes", "--vector-store", "qdrant", "--qdrant-url", URL)
    assert answers_of(project)["qdrant_url"] == URL
    assert (project / "qdrant.env").read_text() == f"QDRANT_URL={URL}\n"


def test_condition_true_by_data_and_default(cli: Cli, template: Path, workdir: Path) -> None:
    project = _new(cli, template, "--yes", "--data", "vector_store=qdrant")
    assert answers_of(project)["qdrant_url"] == DEFAULT_URL


def test_condition_true_from_an_answers_file(
    cli: Cli, template: Path, workdir: Path, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(yaml.safe_dump({"vector_store": "qdrant"}))
    project = _new(cli, template, "--yes", "--answers", str(answers), "--data", f"qdrant_url={URL}")
    assert answers_of(project)["qdrant_url"] == URL


# -- condition false ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--qdrant-url", URL],
            f"Error: --qdrant-url applies only when {CONDITION}, and here "
            "vector_store='sqlite_vec' (the default); drop it or change that answer",
        ),
        (
            ["--vector-store", "none", "--data", f"qdrant_url={URL}"],
            f"Error: --data qdrant_url applies only when {CONDITION}, and here "
            "vector_store='none'; drop it or change that answer",
        ),
        (
            ["--preset", "minimal", "--qdrant-url", URL],
            f"Error: --qdrant-url applies only when {CONDITION}, and here vector_store='none'",
        ),
    ],
    ids=["default", "flag", "preset"],
)
def test_condition_false_refuses_the_value(
    cli: Cli, template: Path, workdir: Path, args: list[str], message: str
) -> None:
    result = cli("new", "svc", "--template", template, "--yes", *args)
    assert result.exit_code == 2, result.output
    assert one_error_line(result).startswith(message)
    assert not (workdir / "svc").exists()


def test_condition_false_drops_an_answers_file_value(
    cli: Cli, template: Path, workdir: Path, tmp_path: Path
) -> None:
    """`--vector-store none` overrides the file; the file's qdrant_url is moot, not an error."""
    answers = tmp_path / "answers.yml"
    answers.write_text(yaml.safe_dump({"vector_store": "qdrant", "qdrant_url": URL}))
    project = _new(cli, template, "--yes", "--answers", str(answers), "--vector-store", "none")
    assert "qdrant_url" not in answers_of(project)
    assert not (project / "qdrant.env").exists()
    assert (project / "seen.txt").read_text() == f"qdrant_url={DEFAULT_URL}\n"  # not URL


def test_condition_false_needs_no_terminal(cli: Cli, template: Path, workdir: Path) -> None:
    """Everything else answered, no --yes, no terminal: qdrant_url will not be asked."""
    project = _new(cli, template, *OTHERS, "--vector-store", "none")
    assert "qdrant_url" not in answers_of(project)


def test_condition_true_still_needs_an_answer(cli: Cli, template: Path, workdir: Path) -> None:
    result = cli("new", "svc", "--template", template, *OTHERS, "--vector-store", "qdrant")
    assert result.exit_code == 2
    assert "no terminal to ask the remaining questions" in one_error_line(result)


def test_condition_still_open_refuses_the_value(cli: Cli, template: Path, workdir: Path) -> None:
    result = cli("new", "svc", "--template", template, *OTHERS, "--qdrant-url", URL)
    assert result.exit_code == 2
    assert one_error_line(result) == (
        f"Error: --qdrant-url applies only when {CONDITION}, and vector_store is still to be "
        "asked; pass --vector-store too, or --yes"
    )
    assert not (workdir / "svc").exists()


# -- update ------------------------------------------------------------------------------------


def test_update_drops_the_answer_when_the_condition_turns_false(
    cli: Cli, template: Path, workdir: Path
) -> None:
    project = _new(cli, template, "--yes", "--vector-store", "qdrant", "--qdrant-url", URL)
    result = cli("update", project, "--yes", "--vector-store", "none")
    assert result.exit_code == 0, result.output
    assert "qdrant_url" not in answers_of(project)
    assert not (project / "qdrant.env").exists()


def test_update_checks_the_flag_against_the_recorded_answers(
    cli: Cli, template: Path, workdir: Path
) -> None:
    project = _new(cli, template, "--yes", "--vector-store", "sqlite_vec")
    head = git(project, "rev-parse", "HEAD")
    result = cli("update", project, "--yes", "--qdrant-url", URL)
    assert result.exit_code == 2
    assert one_error_line(result).startswith(
        f"Error: --qdrant-url applies only when {CONDITION}, and here vector_store='sqlite_vec';"
    )
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "rev-parse", "HEAD") == head

    result = cli("update", project, "--yes", "--vector-store", "qdrant", "--qdrant-url", URL)
    assert result.exit_code == 0, result.output
    assert answers_of(project)["qdrant_url"] == URL
    commit_all(project, "qdrant")

    result = cli("update", project, "--yes", "--qdrant-url", DEFAULT_URL)  # recorded: qdrant
    assert result.exit_code == 0, result.output
    assert answers_of(project)["qdrant_url"] == DEFAULT_URL


# -- prompts in a terminal ---------------------------------------------------------------------


@pytest.mark.parametrize("choose_qdrant", [True, False], ids=["condition-true", "condition-false"])
def test_prompt_asks_only_when_the_condition_holds(
    template: Path, workdir: Path, choose_qdrant: bool
) -> None:
    args = ("new", "svc", "--template", template, "--no-git", *OTHERS)
    child = spawn(*args, cwd=workdir, questions_of=template)
    child.expect("Vector store for RAG document retrieval")
    if choose_qdrant:
        child.send(DOWN + "\r")  # sqlite_vec -> qdrant
        child.expect("URL of the Qdrant server")
        child.send(CLEAR_LINE + URL + "\r")
    else:
        child.send("\r")  # sqlite_vec
    child.expect("Next steps")
    asked_between = child.before or ""
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    recorded = answers_of(workdir / "svc")
    if choose_qdrant:
        assert recorded["vector_store"] == "qdrant"
        assert recorded["qdrant_url"] == URL
    else:
        assert recorded["vector_store"] == "sqlite_vec"
        assert "Qdrant server" not in asked_between
        assert "qdrant_url" not in recorded


# -- evaluation details (no Copier run) --------------------------------------------------------

CHAIN = parse_config(
    {
        "store": {"type": "str", "choices": ["local", "remote"], "default": "local"},
        # A computed value between the condition and the answer it depends on.
        "kind": {"type": "str", "when": False, "default": "{{ store | upper }}"},
        "url": {"type": "str", "default": "", "when": "{{ kind == 'REMOTE' }}"},
        "odd": {"type": "str", "default": "", "when": "{{ store | no_such_filter }}"},
    }
)


def _check(answers: dict[str, str], *, settled: bool, labelled: bool = True) -> Applicable:
    labels = {key: f"--{key}" for key in answers} if labelled else {}
    return applicable_answers(
        CHAIN, answers, labels, previous={}, settled=settled, dst_path=Path("/tmp/x")
    )


def test_a_condition_on_a_computed_value_waits_for_its_source() -> None:
    with pytest.raises(AiapiError, match=r"and store is still to be asked; pass --store too"):
        _check({"url": "u"}, settled=False)
    with pytest.raises(AiapiError, match=r"and here kind='LOCAL' \(the default\)"):
        _check({"url": "u"}, settled=True)
    assert _check({"store": "remote", "url": "u"}, settled=False).answers["url"] == "u"


def test_undecided_answers_from_files_are_left_to_copier() -> None:
    assert _check({"url": "u"}, settled=False, labelled=False).answers == {"url": "u"}
    assert _check({"url": "u"}, settled=True, labelled=False).answers == {}


def test_skipped_questions_and_unevaluable_conditions() -> None:
    checked = _check({"store": "local"}, settled=False)
    assert checked.skipped == {"url"}  # never asked, so no terminal needed for it
    assert "odd" not in checked.skipped  # an unknown filter: Copier decides
    assert _check({"odd": "o"}, settled=True).answers == {"odd": "o"}


@pytest.mark.parametrize(
    ("when", "computed", "condition"),
    [
        (False, True, None),
        (0, True, None),
        ("false", True, None),
        (True, False, None),
        ("{{ a == 'b' }}", False, "a == 'b'"),
        ("{{- a\n  and b -}}", False, "a and b"),
        ("{% if a %}true{% endif %}", False, "{% if a %}true{% endif %}"),
    ],
)
def test_when_values_read_as_copier_reads_them(
    when: object, computed: bool, condition: str | None
) -> None:
    question = parse_config({"q": {"type": "str", "when": when}}).questions["q"]
    assert question.computed is computed
    assert question.condition == condition
