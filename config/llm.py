"""Building the LLM responders from settings: the SDK client, the model adapter, the prompts.

`responder: claude` needs ANTHROPIC_API_KEY; `responder: openai` needs OPENAI_API_KEY (and
OPENAI_BASE_URL for any server other than OpenAI's). Both SDKs honour their base URL, so a
gateway, a self-hosted server or a test's protocol fake is one setting away.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from bot.knowledge import Passage
from bot.ports import Catalog, Responder, SpendBook
from bot.responders.llm.accounting import Ledger, Price
from bot.responders.llm.messages import ChatModel
from bot.responders.llm.prompts import Prompts, PromptSettings, rep_notes
from bot.responders.llm.responder import LLMOptions, LLMResponder
from bot.responders.llm.retry import Backoff
from bot.responders.offline import OfflineResponder
from bot.responders.tools import SalesTools
from bot.understanding.intents import IntentVocabulary, default_vocabulary
from config.regions import home_region
from config.settings import ConfigError, Settings
from knowledge_base.chunks import Chunk

LLM_RESPONDERS = ("claude", "openai")
DEFAULT_MODELS = {"claude": "claude-sonnet-4-5", "openai": "gpt-4.1"}


def require_key(settings: Settings) -> None:
    """A missing key for the chosen LLM responder stops start-up, naming the variable."""
    if settings.responder == "claude" and not _secret(settings.anthropic_api_key):
        raise ConfigError("responder 'claude' needs ANTHROPIC_API_KEY (the Anthropic API key); "
                          "set it, or choose 'responder: offline'")
    if settings.responder == "openai" and not _secret(settings.openai_api_key):
        raise ConfigError("responder 'openai' needs OPENAI_API_KEY (any non-empty value for a server "
                          "without keys) and OPENAI_BASE_URL for servers other than OpenAI's")


def build_llm_responder(
    settings: Settings, tools: SalesTools, chunks: Iterable[Chunk], spending: SpendBook,
    intents: IntentVocabulary | None = None,
) -> Responder:
    """The configured LLM responder over `tools`, with the offline responder as its fallback; what
    each conversation costs goes to `spending`. Playbook sections are the chunks whose heading
    names an objection (in `intents`' words)."""
    require_key(settings)
    chunks = list(chunks)
    vocabulary = intents or default_vocabulary()
    playbook = [Passage(c.text, c.source, c.heading) for c in chunks if vocabulary.objection_kind(c.heading)]
    # What internal documents mark as sayable to customers may be quoted; the rest never.
    internal = tuple(n for c in chunks if c.source in tools.internal_sources for n in rep_notes(c.text, internal=True))
    model = _chat_model(settings)
    llm = settings.llm
    prompts = Prompts(PromptSettings(settings.company_name, llm.voice, llm.prompts_dir), playbook)
    prices = {name: Price(*(Decimal(str(v)) for v in (p.input, p.output, p.cache_read, p.cache_write)))
              for name, p in llm.prices.items()}
    return LLMResponder(model, tools, OfflineResponder(tools), prompts, llm_options(settings, tools.catalog),
                        Ledger(model.provider, prices, spending), internal)


def llm_options(settings: Settings, catalog: Catalog | None = None) -> LLMOptions:
    llm = settings.llm
    return LLMOptions(
        model=llm.model or DEFAULT_MODELS[settings.responder],
        fast_model=llm.fast_model,
        fast_intents=frozenset(llm.fast_intents),
        fast_max_chars=llm.fast_max_chars,
        max_tokens=llm.max_tokens,
        history_tokens=llm.history_tokens,
        max_tool_rounds=llm.max_tool_rounds,
        deadline_seconds=llm.deadline_seconds,
        backoff=Backoff(llm.backoff_seconds, llm.backoff_max_seconds),
        phone_default_region=home_region(settings, catalog),
        phone_regions=dict(settings.phone_regions),
    )


def _chat_model(settings: Settings) -> ChatModel:
    # Retries are ours (bounded by the turn's deadline, counted in metrics), not the SDK's.
    timeout = settings.llm.request_timeout_seconds
    if settings.responder == "claude":
        import anthropic

        from bot.responders.llm.claude import ClaudeModel

        return ClaudeModel(anthropic.AsyncAnthropic(
            api_key=_secret(settings.anthropic_api_key), base_url=settings.anthropic_base_url,
            timeout=timeout, max_retries=0,
        ))
    import openai

    from bot.responders.llm.openai_chat import OpenAIChatModel

    return OpenAIChatModel(openai.AsyncOpenAI(
        api_key=_secret(settings.openai_api_key), base_url=settings.openai_base_url,
        timeout=timeout, max_retries=0,
    ))


def _secret(value: object) -> str:
    getter = getattr(value, "get_secret_value", None)
    return str(getter()).strip() if getter else ""
