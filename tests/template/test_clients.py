"""Clients nobody here wrote, against a generated service running on its offline fake model,
started as its README says (uvicorn): LangChain's `ChatOpenAI` (bind_tools and an agent loop,
streaming, structured output, on both OpenAI APIs) and the Vercel AI SDK's default `openai`
provider, which speaks the Responses API (generateText, streamText, tools, a second turn,
structured output). The Vercel tests install `ai` with npm into a temporary folder."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_copie.plugin import Copie

CLIENTS = Path(__file__).parent / "clients"
PREAMBLE = "This is the fake model (set LLM_PROVIDER and an API key for a real one)."
ADMIN_KEY = "admin-key-for-the-client-tests-0123456789"
ADMIN_EMAIL, ADMIN_PASSWORD = "owner@example.com", "correct-horse-battery-staple-42"
# One OpenAI-generated service with users (JWT), one Anthropic-generated with API keys: the
# OpenAI-compatible surface is the same whichever provider the service was generated for.
SERVICES: dict[str, dict[str, object]] = {
    "openai-jwt": {"auth": "jwt", "cache": "memory", "vector_store": "none", "docker": False},
    "anthropic-apikey": {
        "llm_provider": "anthropic",
        "auth": "api_key",
        "cache": "none",
        "vector_store": "none",
        "docker": False,
    },
}
# The AI SDK's majors that run on Node 20 (its newer major needs Node 22).
VERCEL_PACKAGES = ["ai@6", "@ai-sdk/openai@3", "zod@4"]


@dataclass(frozen=True)
class Service:
    base_url: str  # ends in /v1
    api_key: str  # what an OpenAI client sends as its API key (a JWT, or an API key)
    model: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the service did not start:\n{log.read_text()[-3000:]}")


def _token(url: str) -> str:
    form = f"username={ADMIN_EMAIL}&password={ADMIN_PASSWORD}".encode()
    request = urllib.request.Request(f"{url}/api/auth/token", data=form, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return str(json.loads(response.read())["access_token"])


@pytest.fixture(scope="module", params=list(SERVICES))
def service(
    request: pytest.FixtureRequest, copie_session: Copie, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    answers = SERVICES[request.param]
    result = copie_session.copy(extra_answers={"project_name": request.param, **answers})
    assert result.exit_code == 0, result.exception
    assert result.project_dir is not None
    data = tmp_path_factory.mktemp(request.param)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LLM_PROVIDER": "fake",
        "FAKE_LLM_DELAY_MS": "0",
        "DATABASE_URL": f"sqlite+aiosqlite:///{data / 'app.db'}",
        "ADMIN_API_KEY": ADMIN_KEY,
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    log = data / "service.log"
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=result.project_dir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(url, process, log)
        key = _token(url) if answers["auth"] == "jwt" else ADMIN_KEY
        model = "claude-sonnet-5" if answers.get("llm_provider") == "anthropic" else "gpt-4o-mini"
        yield Service(f"{url}/v1", key, model)
    finally:
        process.terminate()
        process.wait(timeout=30)


# --- LangChain -----------------------------------------------------------------------------


def _langchain(service: Service, **options: Any) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=service.model, base_url=service.base_url, api_key=service.api_key, **options
    )


def _weather_tool() -> Any:
    from langchain_core.tools import tool

    @tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"Sunny in {city}"

    return get_weather


@pytest.mark.parametrize("responses_api", [False, True], ids=["chat-completions", "responses"])
def test_langchain_agent_loop_calls_one_tool_and_answers(
    service: Service, responses_api: bool
) -> None:
    from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

    get_weather = _weather_tool()
    model = _langchain(service, use_responses_api=responses_api).bind_tools([get_weather])
    messages: list[BaseMessage] = [HumanMessage("What is the weather? Use get_weather.")]
    for _ in range(4):  # the agent loop: call the model, run the tools it asks for, repeat
        reply = model.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            break
        for call in reply.tool_calls:
            messages.append(ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"]))

    kinds = [type(m).__name__ for m in messages]
    assert kinds == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
    first = messages[1]
    assert isinstance(first, AIMessage)
    assert [(c["name"], c["args"]) for c in first.tool_calls] == [
        ("get_weather", {"city": "example"})
    ]
    assert messages[-1].text.endswith("The tool get_weather returned: Sunny in example")


def test_langchain_streams_tool_calls(service: Service) -> None:
    model = _langchain(service).bind_tools([_weather_tool()])
    chunks = list(model.stream("Use get_weather"))
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole = whole + chunk
    assert len(chunks) > 2
    assert [(c["name"], c["args"]) for c in whole.tool_calls] == [
        ("get_weather", {"city": "example"})
    ]


def test_langchain_structured_output(service: Service) -> None:
    from pydantic import BaseModel

    class Forecast(BaseModel):
        city: str
        days: int

    forecast = _langchain(service).with_structured_output(Forecast).invoke("A forecast")
    assert forecast == Forecast(city="example", days=0)


# --- The Vercel AI SDK -------------------------------------------------------------------


@pytest.fixture(scope="session")
def vercel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(
            "the Vercel AI SDK tests need Node.js and npm, and this machine has no "
            f"{'node' if node is None else 'npm'}"
        )
    folder = tmp_path_factory.mktemp("vercel")
    (folder / "package.json").write_text('{"private": true, "type": "module"}\n')
    installed = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *VERCEL_PACKAGES],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    shutil.copy(CLIENTS / "vercel.mjs", folder / "vercel.mjs")
    return folder


def _vercel(
    vercel: Path, service: Service, scenario: str, path: str = "/responses"
) -> dict[str, Any]:
    env = {**os.environ, "BASE_URL": service.base_url, "API_KEY": service.api_key}
    completed = subprocess.run(
        ["node", "vercel.mjs", scenario],
        cwd=vercel,
        env={**env, "MODEL": service.model},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    paths = {(r["method"], r["url"].removeprefix(service.base_url)) for r in report["requests"]}
    assert paths == {("POST", path)}
    return report


def test_vercel_generate_text(vercel: Path, service: Service) -> None:
    result = _vercel(vercel, service, "generate")["result"]
    assert result["text"] == f"{PREAMBLE} You said: Hello from Vercel"
    assert result["finishReason"] == "stop"
    assert result["usage"]["outputTokens"] == len(result["text"].split())


def test_vercel_stream_text(vercel: Path, service: Service) -> None:
    result = _vercel(vercel, service, "stream")["result"]
    assert result["text"] == f"{PREAMBLE} You said: Stream to Vercel"
    assert result["parts"].count("text-delta") == len(result["text"].split())
    assert result["parts"][-1] == "finish"
    assert result["usage"]["outputTokens"] == len(result["text"].split())


def test_vercel_tool_call_then_answer(vercel: Path, service: Service) -> None:
    report = _vercel(vercel, service, "tools")
    first, last = report["result"]["steps"]
    assert first["finishReason"] == "tool-calls"
    assert last["finishReason"] == "stop"
    assert first["toolCalls"] == [{"name": "get_weather", "input": {"city": "example"}}]
    assert first["toolResults"] == ["Sunny in example"]
    assert report["result"]["text"].endswith("The tool get_weather returned: Sunny in example")
    follow_up = report["requests"][1]["body"]["input"]
    assert [item.get("type", "message") for item in follow_up] == [
        "message",
        "function_call",
        "function_call_output",
    ]


def test_vercel_stream_with_a_tool(vercel: Path, service: Service) -> None:
    result = _vercel(vercel, service, "streamTools")["result"]
    assert result["steps"] == 2
    for part in ("tool-input-start", "tool-input-delta", "tool-call", "tool-result", "text-delta"):
        assert part in result["parts"]
    assert result["text"].endswith("The tool get_weather returned: Sunny in example")


def test_vercel_chat_completions_model_with_a_tool(vercel: Path, service: Service) -> None:
    result = _vercel(vercel, service, "chatTools", path="/chat/completions")["result"]
    assert result["steps"] == 2
    assert "tool-call" in result["parts"]
    assert result["text"].endswith("The tool get_weather returned: Sunny in example")


def test_vercel_second_turn_refers_to_the_stored_answer(vercel: Path, service: Service) -> None:
    report = _vercel(vercel, service, "secondTurn")
    assert report["result"]["text"] == f"{PREAMBLE} You said: and again"
    second_input = report["requests"][1]["body"]["input"]
    assert [item.get("type", "message") for item in second_input] == [
        "message",
        "item_reference",
        "message",
    ]


def test_vercel_structured_output(vercel: Path, service: Service) -> None:
    report = _vercel(vercel, service, "object")
    assert report["result"]["output"] == {"city": "example", "days": 0}
    assert report["requests"][0]["body"]["text"]["format"]["type"] == "json_schema"
