"""Settings: .env.example stays loadable, and comma-separated lists parse."""

from pathlib import Path

import pytest

from app.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_env_example_loads(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text((PROJECT_ROOT / ".env.example").read_text())
    settings = Settings(_env_file=env_file)
    assert settings.environment == "development"
    assert settings.effective_llm_provider == "fake"
    assert settings.cors_origins == []


def test_comma_separated_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "http://a.test, http://b.test")
    monkeypatch.setenv("LLM_MODELS", "m1,m2")
    settings = Settings(_env_file=None)
    assert settings.cors_origins == ["http://a.test", "http://b.test"]
    assert settings.available_models == [settings.llm_model, "m1", "m2"]
