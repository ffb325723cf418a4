"""Choosing an LLM responder: a missing key stops start-up with the variable named."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.testing import MemorySpendBook
from config.llm import build_llm_responder, llm_options, require_key
from config.settings import ConfigError, load_settings
from config.web.app import create_app


@pytest.mark.parametrize(("responder", "variable"), [("claude", "ANTHROPIC_API_KEY"), ("openai", "OPENAI_API_KEY")])
def test_an_llm_responder_without_its_key_is_a_start_up_error(
    monkeypatch: pytest.MonkeyPatch, responder: str, variable: str
) -> None:
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "SALESBOT_ANTHROPIC_API_KEY", "SALESBOT_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SALESBOT_RESPONDER", responder)
    settings = load_settings()
    with pytest.raises(ConfigError, match=variable):
        require_key(settings)
    with pytest.raises(ConfigError, match=variable):
        build_llm_responder(settings, tools=None, chunks=(), spending=MemorySpendBook())  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=variable):  # salesbot serve refuses to start
        create_app(settings)


def test_keys_base_urls_and_model_rules_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESBOT_RESPONDER", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
    monkeypatch.setenv("SALESBOT_LLM__MODEL", "qwen3-32b")
    monkeypatch.setenv("SALESBOT_LLM__FAST_MODEL", "qwen3-4b")
    monkeypatch.setenv("SALESBOT_LLM__HISTORY_TOKENS", "1200")
    settings = load_settings()
    require_key(settings)
    assert settings.openai_api_key == SecretStr("sk-local")
    assert settings.openai_base_url == "http://127.0.0.1:8080/v1"
    options = llm_options(settings)
    assert (options.model, options.fast_model, options.history_tokens) == ("qwen3-32b", "qwen3-4b", 1200)
