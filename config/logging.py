"""Structured logging (structlog) to stderr; stdout stays for command output."""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import MutableMapping
from typing import Any

import structlog

# Keys whose values never reach a log line, whatever logs them.
SECRET_KEYS = frozenset(
    {"token", "api_key", "password", "secret", "authorization", "board_token", "anthropic_api_key"}
)


def redact_secrets(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor masking values of secret-looking keys."""
    for key in list(event):
        if key.lower() in SECRET_KEYS or key.lower().endswith(("_token", "_secret", "_password", "_key")):
            event[key] = "***"
    return event


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    """Route structlog and the standard library's logging to stderr."""
    # Tracebacks are plain, never with local variables: locals hold customers' messages and secrets.
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            *([structlog.processors.format_exc_info] if fmt == "json" else []),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    # twilio's client logs every request's form at INFO: the customer's number and message.
    for noisy in ("httpx", "httpcore", "urllib3", "asyncio", "bm25s", "alembic", "twilio", "aiogram", "aioimaplib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Qdrant's local mode warns that payload indexes are a server feature; it is, and we know.
    warnings.filterwarnings("ignore", message="Payload indexes have no effect", category=UserWarning)
