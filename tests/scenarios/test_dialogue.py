"""The dialogue as a customer notices it: the whole app on the demo KB, in English and Russian.

Every figure expected here is computed from the demo's catalog.csv and discounts.csv
(`CsvCatalog`), and every playbook answer is looked up in the demo's own documents,
so the tests say what the customer must read, not how the bot works inside.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from bot.catalog import Product
from bot.lead import Lead
from bot.model import ConversationKey, InboundMessage
from bot.qualification import next_question
from bot.responders.phrases import say
from bot.testing import Conversation
from config.wiring import Runtime
from knowledge_base.catalog import CsvCatalog
from knowledge_base.demo import DEMO_KB_DIR

CATALOG = CsvCatalog.load(DEMO_KB_DIR)
LANGS = ["en", "ru"]
pytestmark = pytest.mark.asyncio(loop_scope="module")
NUMBER = re.compile(r"\d+")
# Money as babel writes it: en "€1,030.40"; ru "1 030,40 €" (no-break spaces).
MONEY_STYLE = {
    "en": re.compile(r"€\d{1,3}(?:,\d{3})*\.\d{2}"),
    "ru": re.compile(r"\d{1,3}(?:[\u00a0\u202f ]\d{3})*,\d{2}[\u00a0\u202f ]€"),
}
# Product names, SKUs and the catalog's (English) descriptions are the company's words in any language:
# they do not count towards the reply's language.
_COMPANY_WORDS = sorted(
    [p.name for p in CATALOG.products()] + [p.description for p in CATALOG.products()]
    + [p.category for p in CATALOG.products()], key=len, reverse=True
)
_NAMES = re.compile("|".join(re.escape(w) for w in _COMPANY_WORDS) + r"|NW-[A-Z0-9]+", re.IGNORECASE)


def product(sku: str) -> Product:
    found = CATALOG.get(sku)
    assert found is not None, sku
    return found


def money(amount: Decimal, language: str) -> str:
    return CATALOG.format_money(amount, "EUR", language)


_FILES = re.compile(r"[\w-]+\.(?:md|txt|pdf|html|csv)\b")


def assert_language(text: str, language: str) -> None:
    """The reply reads in `language` (apart from product names, SKUs, file names and currency codes)."""
    letters = [c for c in _FILES.sub(" ", _NAMES.sub(" ", text)).replace("EUR", "") if c.isalpha()]
    cyrillic = sum("а" <= c.lower() <= "я" or c.lower() == "ё" for c in letters)
    if language == "ru":
        assert letters and cyrillic / len(letters) > 0.8, f"not Russian: {text!r}"
    else:
        assert cyrillic == 0, f"not English: {text!r}"


def normalized(text: str) -> str:
    return " ".join(text.split())


async def ask(runtime: Runtime, text: str) -> Conversation:
    """A new conversation that has said `text`."""
    chat = Conversation(runtime.bot)
    await chat.say(text)
    return chat


# -- one intent per test, in both languages ---------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_greeting_introduces_the_assistant_and_asks_what_is_needed(shared_runtime: Runtime, lang: str) -> None:
    replies = await Conversation(shared_runtime.bot).say({"en": "Hello", "ru": "Здравствуйте"}[lang])
    categories = ", ".join(dict.fromkeys(p.category for p in CATALOG.products()))
    assert [r.text for r in replies] == [say("greeting", lang, categories=categories), question_of("need", lang)]


async def test_what_do_you_sell_lists_the_catalog_categories_with_prices(shared_runtime: Runtime) -> None:
    chat = await ask(shared_runtime, "Hi! What do you sell?")
    for category in {p.category for p in CATALOG.products()}:
        assert category in chat.last_reply
    cheapest = min(CATALOG.products(), key=lambda p: p.price)
    assert money(cheapest.price, "en") in chat.last_reply


@pytest.mark.parametrize(
    ("lang", "question"),
    [("en", "How much is the Downlight Round 15?"), ("ru", "Сколько стоит Downlight Round 15?")],
)
async def test_price_is_the_catalog_price_formatted_for_the_language(
    shared_runtime: Runtime, lang: str, question: str
) -> None:
    chat = await ask(shared_runtime, question)
    price = money(product("NW-DL15").price, lang)
    assert MONEY_STYLE[lang].fullmatch(price)
    assert price in chat.last_reply
    assert "×" not in chat.last_reply  # no quantity was asked for
    assert "catalog.csv" in chat.last[0].sources
    assert_language(chat.last_reply, lang)


async def test_price_question_about_a_product_with_a_size_in_its_name_quotes_one_unit(shared_runtime: Runtime) -> None:
    chat = await ask(shared_runtime, "How much is the Panel Slim 60x60?")
    assert money(product("NW-P6060").price, "en") in chat.last_reply
    assert "×" not in chat.last_reply
    assert (await chat.lead()).quantity is None


@pytest.mark.parametrize(
    ("lang", "question"),
    [("en", "Please quote 40 Motion Sensor Click"), ("ru", "Нужно 40 шт Motion Sensor Click, какая будет цена?")],
)
async def test_quote_shows_the_best_discount_and_the_exact_total(
    shared_runtime: Runtime, lang: str, question: str
) -> None:
    quote = CATALOG.quote("NW-SNS1", 40)
    assert quote.discount is not None and quote.discount.applies_to == "NW-SNS1"  # 8 % beats nothing else yet
    chat = await ask(shared_runtime, question)
    text = chat.last_reply
    for amount in (quote.unit_price, quote.subtotal, quote.discount_amount, quote.total):
        assert money(amount, lang) in text
    assert f"{quote.discount.percent.normalize():f}%" in text
    assert {"catalog.csv", "discounts.csv"} <= set(chat.last[0].sources)
    assert_language(text, lang)
    lead = await chat.lead()
    assert (lead.skus, lead.quantity) == (("NW-SNS1",), 40)


@pytest.mark.parametrize(
    ("lang", "question", "says"),
    [
        ("en", "Is the Linear Batten 150 in stock?", "{stock} units in stock"),
        ("ru", "Есть ли в наличии Linear Batten 150?", "в наличии {stock} шт"),
    ],
)
async def test_availability_is_the_catalog_stock(shared_runtime: Runtime, lang: str, question: str, says: str) -> None:
    chat = await ask(shared_runtime, question)
    assert says.format(stock=product("NW-LB150").stock) in chat.last_reply
    assert_language(chat.last_reply, lang)


@pytest.mark.parametrize(
    ("lang", "question", "says"),
    [
        ("en", "What is the lead time for the DALI Room Controller?", "{days} days"),
        ("ru", "Какой срок поставки DALI Room Controller?", "{days} дн"),
    ],
)
async def test_lead_time_is_the_catalog_lead_time(shared_runtime: Runtime, lang: str, question: str, says: str) -> None:
    chat = await ask(shared_runtime, question)
    assert says.format(days=product("NW-DALI1").lead_time_days) in chat.last[0].text
    assert_language(chat.last_reply, lang)


@pytest.mark.parametrize(
    ("lang", "question"),
    [("en", "What goes well with the Linear Batten 150?"), ("ru", "Что ещё нужно вместе с Linear Batten 150?")],
)
async def test_cross_sell_names_the_related_products_with_prices(
    shared_runtime: Runtime, lang: str, question: str
) -> None:
    related = CATALOG.related("NW-LB150")
    assert related
    chat = await ask(shared_runtime, question)
    for item in related:
        assert f"{item.name} ({money(item.price, lang)})" in chat.last_reply
    assert_language(chat.last_reply, lang)


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "Is there something better than the Downlight Round 15?"),
        ("ru", "Есть ли модель мощнее Downlight Round 15?"),
    ],
)
async def test_upsell_offers_the_upgrade_product(shared_runtime: Runtime, lang: str, question: str) -> None:
    upgrade = CATALOG.upgrade("NW-DL15")
    assert upgrade is not None
    chat = await ask(shared_runtime, question)
    assert upgrade.name in chat.last_reply
    assert money(upgrade.price, lang) in chat.last_reply
    assert_language(chat.last_reply, lang)


@pytest.mark.parametrize(
    ("lang", "question", "fact", "source"),
    [
        ("en", "How long is the warranty on controls?", "3 years", "warranty.md"),
        ("en", "Is delivery free?", "free for orders over 1 500 EUR", "delivery.md"),
        ("en", "How high should the Motion Sensor Click be mounted?", "2.5 to 4 m", "installation.pdf"),
        ("ru", "Есть ли рассрочка?", "рассрочка на 3 месяца", "payment.md"),
        ("ru", "Какой минимальный заказ?", "250 EUR", "faq.txt"),
    ],
)
async def test_policy_is_answered_from_a_document_naming_it(
    shared_runtime: Runtime, lang: str, question: str, fact: str, source: str
) -> None:
    chat = await ask(shared_runtime, question)
    answer = chat.last[0]
    assert fact in normalized(answer.text)
    assert answer.sources == (source,)
    assert say("source", lang, sources=source) in answer.text
    assert_language(answer.text, lang)


@pytest.mark.parametrize(
    ("lang", "question", "facts", "source"),
    [
        # The payment policy is written in Russian, the warranty and delivery ones in English.
        ("en", "What payment methods do you accept?", ["SEPA", "Visa и Mastercard", "iDEAL"], "payment.md"),
        ("ru", "Какая гарантия на панели?", ["LED panels and downlights: 5 years"], "warranty.md"),
        ("ru", "Сколько идёт доставка в Германию?", ["Germany and France: 3 to 4 business days"], "delivery.md"),
        ("en", "Do you deliver to Germany and how long does it take?", ["3 to 4 business days"], "delivery.md"),
    ],
)
async def test_a_question_finds_its_policy_written_in_the_other_language(
    shared_runtime: Runtime, lang: str, question: str, facts: list[str], source: str
) -> None:
    chat = await ask(shared_runtime, question)
    answer = chat.last[0]
    for fact in facts:
        assert fact in normalized(answer.text)
    assert answer.sources == (source,)
    assert say("source", lang, sources=source) in answer.text  # the framing is in the customer's language


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("Can I return unused panels? Is there a restocking fee?", ["30 days", "10 %"]),
    ],
)
async def test_two_questions_in_one_message_get_both_answers(
    shared_runtime: Runtime, question: str, facts: list[str]
) -> None:
    chat = await ask(shared_runtime, question)
    for fact in facts:
        assert fact in normalized(chat.last[0].text)


async def test_policy_answer_quotes_whole_sentences_of_a_wrapped_document(shared_runtime: Runtime) -> None:
    # warranty.md wraps this sentence after "for a"; it was quoted cut there, with the next bullet glued on
    chat = await ask(shared_runtime, "Can I return unused products?")
    assert "for a full refund of the product price" in normalized(chat.last_reply)


OBJECTIONS = {
    # kind: (English message, heading words), (Russian message, heading words)
    "price": (("That's too expensive", "too expensive"), ("Это слишком дорого", "дорого")),
    "think": (("I need to think about it", "think about it"), ("Мне нужно подумать", "подумать")),
    "competitor": (("A competitor is cheaper", "competitor"), ("У конкурента дешевле", "конкурента")),
    "budget": (("We have no budget right now", "no budget"), ("Сейчас нет бюджета", "нет бюджета")),
    "trust": (("Can we trust you? Are your products reliable?", "trust"), ("Можно ли вам доверять?", "доверять")),
}
PLAYBOOKS = {"en": "objections.md", "ru": "objections_ru.md"}


def playbook_section(lang: str, heading_words: str) -> tuple[str, list[str]]:
    """The demo playbook's section whose heading has `heading_words`: what it says to customers
    (its "> " lines, whitespace-normalized) and its notes to the reps."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in (Path(DEMO_KB_DIR) / PLAYBOOKS[lang]).read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:], [])
        elif current is not None and line.strip():
            current.append(line)
    (body,) = [lines for heading, lines in sections.items() if heading_words.lower() in heading.lower()]
    said = normalized(" ".join(line[1:].strip() for line in body if line.startswith(">")))
    notes = [normalized(line) for line in body if not line.startswith(">")]
    return said, notes


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", list(OBJECTIONS))
async def test_objection_is_answered_from_the_playbook_section(shared_runtime: Runtime, kind: str, lang: str) -> None:
    message, heading_words = OBJECTIONS[kind][LANGS.index(lang)]
    chat = await ask(shared_runtime, message)
    answer = chat.last[0]
    intro = say("objection_intro", lang)
    assert answer.text.startswith(intro), answer.text
    body = normalized(answer.text[len(intro):])
    said, notes = playbook_section(lang, heading_words)
    assert body == said, body
    assert not any(note in normalized(answer.text) for note in notes)  # notes to reps stay internal
    assert answer.sources == (PLAYBOOKS[lang],)


@pytest.mark.parametrize(
    ("lang", "message", "email"),
    [
        ("en", "My name is John Smith, john.smith@acme.example, +1 415 555 0100", "john.smith@acme.example"),
        ("ru", "Меня зовут Иван Петров, ivan@example.ru, +7 912 345-67-89", "ivan@example.ru"),
    ],
)
async def test_contact_details_are_thanked_and_kept(
    shared_runtime: Runtime, lang: str, message: str, email: str
) -> None:
    chat = await ask(shared_runtime, message)
    assert chat.last[0].text == say("contact_thanks", lang)
    lead = await chat.lead()
    assert lead.email == email and lead.phone and lead.name


@pytest.mark.parametrize(
    ("lang", "message"), [("en", "I want to talk to a human"), ("ru", "Позовите менеджера, пожалуйста")]
)
async def test_asking_for_a_person_gets_the_handoff_message(shared_runtime: Runtime, lang: str, message: str) -> None:
    key = ConversationKey("test", "test", f"human-{lang}", f"human-{lang}")
    handled = await shared_runtime.bot.handle(InboundMessage(key, f"human-{lang}-1", message))
    assert [r.text for r in handled.replies] == [say("handoff", lang)]
    assert handled.reply is not None and handled.reply.wants_human


def _unknown_case(lang: str, question: str, sku: str) -> object:
    return pytest.param(lang, question, sku, id=f"{lang}-{sku}")


@pytest.mark.parametrize(
    ("lang", "question", "sku"),
    [
        _unknown_case("en", "What is the CRI of the Downlight Round 15?", "NW-DL15"),
        _unknown_case("ru", "Сколько весит в кг Downlight Round 25?", "NW-DL25"),
        _unknown_case("ru", "Сколько весит в кг Motion Sensor Click?", "NW-SNS1"),
        _unknown_case("en", "What is the weight in kg of the Downlight Round 25?", "NW-DL25"),
        _unknown_case("en", "What is the weight in kg of the Motion Sensor Click?", "NW-SNS1"),
        _unknown_case("en", "What is the weight in kg of the DALI Room Controller?", "NW-DALI1"),
    ],
)
async def test_unanswerable_question_says_so_and_invents_no_number(
    shared_runtime: Runtime, lang: str, question: str, sku: str
) -> None:
    chat = await ask(shared_runtime, question)
    name = product(sku).name
    assert chat.last[0].text in {say("unknown", lang), say("unknown_product", lang, name=name)}
    assert not chat.last[0].sources
    assert set(NUMBER.findall(chat.last_reply)) <= set(NUMBER.findall(question)), chat.last_reply


async def test_unanswerable_policy_question_offers_a_colleague(shared_runtime: Runtime) -> None:
    chat = await ask(shared_runtime, "Do you have a loyalty card for private customers?")
    assert chat.last[0].text == say("unknown", "en")
    assert not NUMBER.search(chat.last_reply)


@pytest.mark.parametrize("text", ["", "   \n\t "])
async def test_empty_message_gets_a_prompt(shared_runtime: Runtime, text: str) -> None:
    chat = await ask(shared_runtime, text)
    assert chat.last_reply == say("empty", "en")


async def test_empty_message_keeps_the_conversation_language(shared_runtime: Runtime) -> None:
    chat = await ask(shared_runtime, "Здравствуйте")
    await chat.say("   ")
    assert chat.last_reply == say("empty", "ru")


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script>",
        "Hello <script>alert(1)</script> how much is the Motion Sensor Click?",
        '<img src=x onerror="alert(1)">',
    ],
)
async def test_markup_in_a_message_is_never_echoed(shared_runtime: Runtime, text: str) -> None:
    chat = await ask(shared_runtime, text)
    assert chat.last
    for reply in chat.last:
        lowered = reply.text.lower()
        for markup in ("<script", "alert(", "onerror", "<img"):
            assert markup not in lowered
    if "Motion Sensor Click" in text:
        assert money(product("NW-SNS1").price, "en") in chat.last_reply


@pytest.mark.parametrize(
    ("lang", "message", "quantity"),
    [
        ("en", "Give me the Downlight Round 25 for a price of 1 EUR", 1),
        ("en", "Sell me 10 Downlight Round 25 for 1 euro each", 10),
        ("ru", "Продайте Downlight Round 25 за 1 евро", 1),
    ],
)
async def test_a_price_of_one_is_never_accepted(
    shared_runtime: Runtime, lang: str, message: str, quantity: int
) -> None:
    chat = await ask(shared_runtime, message)
    quote = CATALOG.quote("NW-DL25", quantity)
    assert money(quote.unit_price, lang) in chat.last_reply
    assert money(quote.total, lang) in chat.last_reply
    assert money(Decimal(1), lang) not in chat.last_reply
    assert money(Decimal(quantity), lang) not in chat.last_reply or quantity == 1
    assert_language(chat.last_reply, lang)


# -- a conversation where the lead grows ------------------------------------------------------


async def test_lead_grows_turn_by_turn_until_hot(shared_runtime: Runtime) -> None:
    chat = Conversation(shared_runtime.bot)
    await chat.say("Hi, we are refitting our office")
    assert (await chat.lead()).score == 0

    await chat.say("We need Downlight Round 25")
    lead = await chat.lead()
    assert lead.skus == ("NW-DL25",) and lead.score == 25 and not lead.hot

    await chat.say("About 80 of them")
    assert (await chat.lead()).quantity == 80

    await chat.say("We need them within 3 weeks")
    lead = await chat.lead()
    assert lead.timeline_days == 21 and lead.score == 50

    await chat.say("I'm the facility manager and I decide on this")
    lead = await chat.lead()
    assert lead.is_decision_maker is True and lead.score == 75
    assert not lead.hot  # no way to reach them yet
    assert any(r.startswith("not hot") and "no email or phone" in r for r in lead.reasons)

    await chat.say("I'm Anna Berg from Acme BV, anna.berg@acme.example")
    lead = await chat.lead()
    # "BV" is a legal form, stripped like every legal form
    assert (lead.name, lead.email, lead.company) == ("Anna Berg", "anna.berg@acme.example", "Acme")
    assert lead.hot and lead.score == 75
    assert chat.last[0].text == say("contact_thanks", "en")
    assert say("hot", "en") in chat.last_reply  # told once that a manager will call
    reasons = " | ".join(lead.reasons)
    for part in ("need: NW-DL25", "timeline: 21 days", "authority: decides", "hot:"):
        assert part in reasons

    await chat.say("Actually make it 120 instead")
    lead = await chat.lead()
    assert (lead.skus, lead.quantity, lead.email, lead.hot) == (("NW-DL25",), 120, "anna.berg@acme.example", True)
    assert say("hot", "en") not in chat.last_reply  # not repeated


async def test_russian_lead_grows_turn_by_turn_until_hot(shared_runtime: Runtime) -> None:
    chat = Conversation(shared_runtime.bot)
    for text in (
        "Здравствуйте",
        "Нам нужны светильники Downlight Round 25",
        "Нужно 80 штук",
        "Нужно в течение месяца",
        "Решение принимаю я, я директор по закупкам",
        "Меня зовут Анна Берг, компания Ромашка, anna@romashka.ru",
    ):
        await chat.say(text)
        assert_language(chat.last_reply, "ru")
    lead = await chat.lead()
    assert lead.skus == ("NW-DL25",) and lead.quantity == 80 and lead.timeline_days is not None
    assert (lead.name, lead.email, lead.company) == ("Анна Берг", "anna@romashka.ru", "Ромашка")
    assert lead.is_decision_maker is True and lead.hot and lead.score >= 75
    assert say("hot", "ru") in chat.last_reply

    await chat.say("Давайте лучше 120 штук")
    assert (await chat.lead()).quantity == 120


@pytest.mark.parametrize(
    ("lang", "turns"),
    [
        ("en", ["We need Downlight Round 25", "About 80 of them", "Actually make it 120 instead"]),
        ("ru", ["Нам нужны светильники Downlight Round 25", "Нужно 80 штук", "Давайте лучше 120 штук"]),
    ],
)
async def test_a_new_quantity_for_the_product_in_focus_is_quoted(
    shared_runtime: Runtime, lang: str, turns: list[str]
) -> None:
    chat = Conversation(shared_runtime.bot)
    for text, quantity in zip(turns, (None, 80, 120), strict=True):
        await chat.say(text)
        if quantity:
            assert money(CATALOG.quote("NW-DL25", quantity).total, lang) in chat.last_reply


async def test_the_greeting_is_not_repeated_mid_conversation(shared_runtime: Runtime) -> None:
    chat = await ask(shared_runtime, "Hello")
    for text in ("ok", "thanks"):
        await chat.say(text)
        assert "I'm the sales assistant" not in chat.last_reply


# -- qualification ---------------------------------------------------------------------------


def question_of(question_id: str, lang: str, lead: Lead | None = None) -> str:
    """The text of one qualification question, as `next_question` words it."""
    result = next_question(lead or Lead(), [q for q in QUESTION_ORDER if q != question_id], lang)
    assert result is not None and result[0] == question_id
    return result[1]


QUESTION_ORDER = ("need", "timeline", "quantity", "authority", "budget", "contact", "name")


@pytest.mark.parametrize(
    ("lang", "message", "expected"),
    [
        ("en", "Hello", "need"),
        ("en", "How much is the Downlight Round 15?", "timeline"),
        ("en", "I need 40 Linear Batten 150 by next month", "authority"),
        ("ru", "Здравствуйте", "need"),
        ("ru", "Сколько стоит Downlight Round 15?", "timeline"),
    ],
)
async def test_the_next_question_asks_for_what_is_missing(
    shared_runtime: Runtime, lang: str, message: str, expected: str
) -> None:
    chat = await ask(shared_runtime, message)
    lead = await chat.lead()
    assert chat.last[-1].text == question_of(expected, lang, lead)


async def test_qualification_questions_are_never_repeated(shared_runtime: Runtime) -> None:
    chat = await ask(shared_runtime, "How much is the Downlight Round 15?")
    follow_ups = [chat.last[-1].text]
    for text in ("ok", "fine", "sure", "right", "I see", "hmm", "good"):
        replies = await chat.say(text)
        if len(replies) > 1:
            follow_ups.append(replies[-1].text)
    assert len(follow_ups) == len(set(follow_ups)), follow_ups
    # need is known (a product), so everything else is asked once, in order of value, then nothing
    lead = await chat.lead()
    expected = [question_of(q, "en", lead) for q in ("timeline", "quantity", "authority", "budget", "contact")]
    assert follow_ups == expected
    await chat.say("ok then")
    assert len(chat.last) == 1
