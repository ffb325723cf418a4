"""Responder name → factory. The offline responder is built in; others plug in by import path.

A factory takes the `SalesTools` (knowledge base, reader, catalog, price rules) and returns a
`Responder`. A company's own responder is `responder: "their_package.module:make"` in settings.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from bot.ports import Responder
from bot.responders.tools import SalesTools
from config.settings import ConfigError

ResponderFactory = Callable[[SalesTools], Responder]

# name → "module:factory"; imported lazily so an unused responder's SDK is never loaded.
RESPONDERS: dict[str, str] = {
    "offline": "bot.responders.offline:OfflineResponder",
}


def build_responder(name: str, tools: SalesTools) -> Responder:
    """The responder registered as `name`, or the factory at import path `name`."""
    target = RESPONDERS.get(name, name)
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        known = ", ".join(sorted(RESPONDERS))
        raise ConfigError(f"responder: unknown {name!r}; use one of {known} or 'package.module:factory'")
    try:
        factory: ResponderFactory = getattr(import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"responder: cannot load {target!r}: {exc}") from exc
    responder = factory(tools)
    if not callable(getattr(responder, "respond", None)):
        raise ConfigError(f"responder: {target!r} made {type(responder).__name__}, which has no respond()")
    return responder
