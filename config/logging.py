"""Structured logging (structlog) to stderr; stdout stays for command output."""

from __future__ import annotations

import logging
import re
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


# Contacts that may slip into a log line through an exception's text or a library's message.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Nine or more digits, optionally "+"-prefixed and split by spaces, hyphens or parentheses; not
# dots (IP addresses, versions) and not inside a word or id ("visitor-0123456789").
_PHONE = re.compile(r"(?<![\w+-])\+?\(?\d(?:[ ()-]{0,2}\d){8,16}(?![\w-])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_UNMASKED_KEYS = frozenset({"exception", "exc_info", "timestamp"})


def scrub(text: str) -> str:
    """`text` fit for a log line: contacts masked, control characters escaped (no forged lines)."""
    text = _PHONE.sub("<phone>", _EMAIL.sub("<email>", text))
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def scrub_event(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor applying `scrub` to every string value of the event."""
    for key, value in event.items():
        if isinstance(value, str) and key not in _UNMASKED_KEYS:
            event[key] = scrub(value)
    return event


class ScrubFilter(logging.Filter):
    """The same for the standard library's records (uvicorn, SQLAlchemy, our `logging` users)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = ()
        return True


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
            scrub_event,
            *([structlog.processors.format_exc_info] if fmt == "json" else []),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # records of every logger end up here
        if not any(isinstance(f, ScrubFilter) for f in handler.filters):
            handler.addFilter(ScrubFilter())
    # twilio's client logs every request's form at INFO: the customer's number and message.
    for noisy in ("httpx", "httpcore", "urllib3", "asyncio", "bm25s", "alembic", "twilio", "aiogram", "aioimaplib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Qdrant's local mode warns that payload indexes are a server feature; it is, and we know.
    warnings.filterwarnings("ignore", message="Payload indexes have no effect", category=UserWarning)
