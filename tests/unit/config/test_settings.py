"""Settings: YAML + environment + overrides, documented, with clear errors."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest
import structlog
import yaml

from config.logging import configure_logging
from config.settings import ConfigError, Settings, load_settings

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "salesbot.example.yaml"


def _keys(model: Any, prefix: str = "") -> set[str]:
    names = (
        list(type(model).model_fields) if hasattr(type(model), "model_fields")
        else [f.name for f in dataclasses.fields(model)]
    )
    keys = set()
    for name in names:
        value = getattr(model, name)
        keys.add(prefix + name)
        if hasattr(type(value), "model_fields") or dataclasses.is_dataclass(value):
            keys |= _keys(value, f"{prefix}{name}.")
    return keys


def _yaml_keys(data: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for name, value in data.items():
        keys.add(prefix + name)
        if isinstance(value, dict) and name != "phone_regions":
            keys |= _yaml_keys(value, f"{prefix}{name}.")
    return keys


def test_example_yaml_documents_every_setting_except_secrets() -> None:
    documented = _yaml_keys(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    secrets = {"weaviate_api_key", "qdrant_api_key", "anthropic_api_key", "kb_dir"}
    # Channel credentials live in the environment; the sections' public_url is the top-level one.
    secrets |= {"telegram_bot_token", "twilio_account_sid", "twilio_auth_token", "twilio_from_number",
                "twilio_whatsapp_from", "telegram.bot_token", "telegram.webhook_secret", "telegram.public_url",
                "twilio.account_sid", "twilio.auth_token", "twilio.from_number", "twilio.whatsapp_from",
                "twilio.public_url", "email.imap_url", "email.smtp_url"}
    secrets |= {"slack_bot_token", "slack_signing_secret", "slack.bot_token", "slack.signing_secret",
                "slack.public_url"}
    secrets |= {"openai_api_key", "anthropic_base_url", "openai_base_url"}  # LLM keys and endpoints
    secrets |= {"trello_api_key", "trello_token", "trello_api_secret"}
    assert _keys(Settings()) - secrets == documented - secrets
    # secrets belong in the environment; the file must say so and name them
    text = EXAMPLE.read_text(encoding="utf-8")
    for name in ("WEAVIATE_API_KEY", "QDRANT_API_KEY", "ANTHROPIC_API_KEY", "kb_dir", "TELEGRAM_BOT_TOKEN",
                 "SALESBOT_TELEGRAM__WEBHOOK_SECRET", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
                 "TWILIO_FROM_NUMBER", "TWILIO_WHATSAPP_FROM", "SALESBOT_EMAIL__IMAP_URL", "SALESBOT_EMAIL__SMTP_URL",
                 "OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "TRELLO_API_KEY", "TRELLO_TOKEN",
                 "TRELLO_API_SECRET", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SALESBOT_SLACK__CHANNEL"):
        assert name in text


def test_example_yaml_loads_to_the_defaults() -> None:
    assert load_settings(EXAMPLE) == load_settings()


def test_environment_beats_yaml_and_options_beat_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "s.yaml"
    config.write_text("port: 9001\nscoring:\n  hot_threshold: 60\n", encoding="utf-8")
    monkeypatch.setenv("SALESBOT_PORT", "9002")
    monkeypatch.setenv("REDIS_URL", "redis://example:6379/0")

    settings = load_settings(config)
    assert settings.port == 9002
    assert settings.scoring.hot_threshold == 60
    assert settings.redis_url == "redis://example:6379/0"
    assert load_settings(config, port=9003).port == 9003


def test_nested_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESBOT_SCORING__HOT_THRESHOLD", "80")
    monkeypatch.setenv("SALESBOT_WEBCHAT__ALLOWED_ORIGINS", '["https://shop.example"]')
    settings = load_settings()
    assert settings.scoring.hot_threshold == 80
    assert settings.webchat.allowed_origins == ["https://shop.example"]


def test_missing_config_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"SALESBOT_CONFIG.*nope\.yaml"):
        load_settings(tmp_path / "nope.yaml")


def test_invalid_value_is_a_config_error_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESBOT_PORT", "not-a-port")
    with pytest.raises(ConfigError, match="port"):
        load_settings()


def test_unknown_yaml_key_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "s.yaml"
    config.write_text("prot: 8000\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="prot"):
        load_settings(config)


def test_database_defaults_to_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.database_dsn == f"sqlite+aiosqlite:///{(tmp_path / 'salesbot.db').resolve()}"
    assert load_settings(database_url="postgresql://x/y").database_dsn == "postgresql://x/y"


def test_secrets_never_reach_the_log(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    structlog.get_logger().info("connecting", api_key="sk-live-123", board_token="t0k3n", url="redis://x")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["api_key"] == "***" and line["board_token"] == "***"
    assert line["url"] == "redis://x"
    assert "sk-live-123" not in io.StringIO(json.dumps(line)).getvalue()


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_logged_tracebacks_carry_no_local_variables(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", fmt)

    def handle(customer_message: str) -> None:
        raise ValueError("boom")

    card = "41" + "11" * 7  # built at run time: a traceback prints source lines, not values
    try:
        handle(f"my card number is {card}")
    except ValueError:
        structlog.get_logger().exception("pipeline.failed")
    err = capsys.readouterr().err
    assert "ValueError: boom" in err
    assert card not in err


def test_a_channel_is_on_when_its_credentials_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from config.channels import channel_settings, enabled_channels

    assert enabled_channels(load_settings()) == ["webchat"]
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("SALESBOT_TELEGRAM__MODE", "polling")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC1")
    monkeypatch.setenv("SALESBOT_PUBLIC_URL", "https://bot.example")
    monkeypatch.setenv("SALESBOT_EMAIL__IMAP_URL", "imaps://sales:pw@mail.example/INBOX")
    settings = load_settings()

    assert enabled_channels(settings) == ["webchat", "telegram", "twilio", "email"]
    telegram = channel_settings(settings, "telegram")
    assert telegram["bot_token"].get_secret_value() == "123:abc" and telegram["mode"] == "polling"
    assert channel_settings(settings, "twilio")["public_url"] == "https://bot.example"


def test_a_listed_channel_without_credentials_is_a_config_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from config.web.app import create_app

    configure_logging("WARNING", "console")  # onto this test's stderr, not an earlier test's captured one
    monkeypatch.setenv("SALESBOT_CHANNELS", '["webchat", "twilio"]')
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID"):
        create_app(load_settings(data_dir=tmp_path))


def test_slack_is_on_only_with_its_token_secret_and_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    from config.channels import channel_settings, enabled_channels

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")
    assert "slack" not in enabled_channels(load_settings())  # no channel to post alerts in
    monkeypatch.setenv("SALESBOT_SLACK__CHANNEL", "C0ALERTS1")
    monkeypatch.setenv("SALESBOT_SLACK__API_URL", "http://127.0.0.1:9999/api/")
    monkeypatch.setenv("SALESBOT_PUBLIC_URL", "https://bot.example")
    settings = load_settings()

    assert enabled_channels(settings) == ["webchat", "slack"]
    slack = channel_settings(settings, "slack")
    assert (slack["bot_token"].get_secret_value(), slack["signing_secret"].get_secret_value()) == ("xoxb-1", "s3cret")
    assert (slack["channel"], slack["api_url"], slack["public_url"]) == (
        "C0ALERTS1", "http://127.0.0.1:9999/api/", "https://bot.example")
