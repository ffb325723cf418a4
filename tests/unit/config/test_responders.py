"""Choosing the responder by setting: the built-in name, a company's own factory, and clear errors."""

from __future__ import annotations

from typing import cast

import pytest

from bot.model import OutboundMessage
from bot.ports import Responder
from bot.responders.offline import OfflineResponder
from bot.responders.tools import SalesTools
from bot.turn import Reply, TurnContext
from config.responders import build_responder
from config.settings import ConfigError, load_settings

TOOLS = cast(SalesTools, object())  # what the factory is handed; these factories only keep it


class Canned:
    def __init__(self, tools: SalesTools) -> None:
        self.tools = tools

    async def respond(self, turn: TurnContext) -> Reply:
        return Reply((OutboundMessage("canned"),), "canned")


def canned(tools: SalesTools) -> Responder:
    return Canned(tools)


def not_a_responder(tools: SalesTools) -> object:
    return "nothing to respond with"


def test_the_default_is_the_offline_responder() -> None:
    assert load_settings().responder == "offline"
    assert isinstance(build_responder("offline", TOOLS), OfflineResponder)


def test_a_company_factory_by_import_path_is_given_the_sales_tools() -> None:
    responder = build_responder(f"{__name__}:canned", TOOLS)
    assert isinstance(responder, Canned) and responder.tools is TOOLS


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("claude-9000", "use one of offline or 'package.module:factory'"),
        ("no_such_package.responders:make", "cannot load 'no_such_package.responders:make'"),
        (f"{__name__}:missing", f"cannot load '{__name__}:missing'"),
        (f"{__name__}:not_a_responder", "made str, which has no respond()"),
    ],
)
def test_a_bad_responder_setting_is_a_config_error_that_says_what_to_write(name: str, message: str) -> None:
    with pytest.raises(ConfigError, match="responder") as error:
        build_responder(name, TOOLS)
    assert message in str(error.value)
