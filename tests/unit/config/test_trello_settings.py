"""Trello's settings: on with all three credentials, an error naming what is missing with some."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from config.settings import ConfigError, load_settings
from config.trello import DEFAULT_LISTS, check_trello, trello_enabled


def test_trello_is_off_without_credentials_and_on_with_all_three(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRELLO_API_KEY", "TRELLO_TOKEN", "SALESBOT_TRELLO__BOARD_ID"):
        monkeypatch.delenv(name, raising=False)
    assert not trello_enabled(load_settings())
    monkeypatch.setenv("TRELLO_API_KEY", "key")
    monkeypatch.setenv("TRELLO_TOKEN", "token")
    monkeypatch.setenv("SALESBOT_TRELLO__BOARD_ID", "AbCd1234")
    assert trello_enabled(load_settings())


def test_half_set_credentials_name_what_is_missing() -> None:
    settings = load_settings().model_copy(update={"trello_api_key": SecretStr("key"), "trello_token": None})
    with pytest.raises(ConfigError, match="TRELLO_TOKEN, SALESBOT_TRELLO__BOARD_ID"):
        check_trello(settings)


def test_lists_map_known_stages_only_and_keep_the_defaults_of_the_rest() -> None:
    settings = load_settings(trello={"lists": {"won": "Paid"}, "customer_visible": ["won"]})
    assert settings.trello.stage_lists() == {**DEFAULT_LISTS, "won": "Paid"}
    with pytest.raises(ConfigError, match="unknown stage 'invoiced'"):
        load_settings(trello={"lists": {"invoiced": "Invoiced"}})
    with pytest.raises(ConfigError, match="unknown stage"):
        load_settings(trello={"customer_visible": ["delivered"]})
