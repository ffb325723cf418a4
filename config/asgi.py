"""`config.asgi:app` for ASGI servers (the Procfile's `web:` line)."""

from __future__ import annotations

from config.logging import configure_logging
from config.settings import load_settings
from config.web.app import create_app

_settings = load_settings()
configure_logging(_settings.log_level, _settings.log_format)
app = create_app(_settings)
