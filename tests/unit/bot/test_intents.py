"""What a message asks for by its words (the package's cues and the few rules), in both languages.

Matching by the meaning of example messages is tested with the real model in
tests/unit/knowledge_base/test_intent_examples.py.
"""

from __future__ import annotations

import pytest

from bot.understanding.intents import (
    Facts,
    Intent,
    IntentDataError,
    IntentVocabulary,
    Signals,
    asks_about_products,
    classify,
    default_vocabulary,
    objection_kind,
)
from bot.understanding.resources import load_yaml


def intent(text: str, *, named: bool = False, in_focus: bool = False, contact: bool = False) -> Intent:
    signals = Signals(text, text, default_vocabulary())
    return classify(signals, Facts(named=named, in_focus=in_focus or named, gave_contact=contact))


@pytest.mark.parametrize(
    ("text", "named", "expected"),
    [
        ("How much does the X cost?", True, Intent.QUOTE),
        ("Сколько будут стоить 3 штуки X?", True, Intent.QUOTE),
        ("I want two X", True, Intent.QUOTE),
        ("Is the X in stock?", True, Intent.AVAILABILITY),
        ("Есть ли X в наличии?", True, Intent.AVAILABILITY),
        ("What is the lead time for X?", True, Intent.LEAD_TIME),
        ("Какой срок поставки у X?", True, Intent.LEAD_TIME),
        ("What else should I buy together with the X?", True, Intent.CROSS_SELL),
        ("Что ещё взять вместе с X?", True, Intent.CROSS_SELL),
        ("Is there a bigger model than the X?", True, Intent.UPSELL),
        ("Есть модель побольше, чем X?", True, Intent.UPSELL),
        ("Is there anything quieter than the X?", True, Intent.UPSELL),
        ("Есть X экономичнее, чем этот?", True, Intent.UPSELL),
        ("Which bracket fits the X?", True, Intent.CROSS_SELL),
        ("Какой кронштейн подойдёт к X?", True, Intent.CROSS_SELL),
        # stock asked before delivery is the product's stock; delivery asked first stays delivery
        ("Is the X in stock? If not, how many days until you can deliver?", True, Intent.AVAILABILITY),
        ("Есть ли X в наличии? Если нет, когда сможете доставить?", True, Intent.AVAILABILITY),
        ("We have the basic X. What's the next level up?", True, Intent.UPSELL),
        ("У нас тариф X. Какой следующий уровень?", True, Intent.UPSELL),
        # the catalogue as where prices are, not as what is asked for
        ("Are the prices in your catalogue incl. VAT?", False, Intent.POLICY),
        ("Can you send me your catalogue?", False, Intent.CATALOG),
        ("How much is installation of the X?", True, Intent.POLICY),
        ("Сколько стоит установка X?", True, Intent.POLICY),
        ("What is the noise level of the X?", True, Intent.PRODUCT_QUESTION),
        ("How long is the warranty?", False, Intent.POLICY),
        ("Можно ли вернуть товар?", False, Intent.POLICY),
        ("Hello!", False, Intent.GREETING),
        ("Добрый день!", False, Intent.GREETING),
        ("I'd like to talk to a human", False, Intent.HUMAN),
        ("Позовите, пожалуйста, менеджера", False, Intent.HUMAN),
        ("   ", False, Intent.EMPTY),
    ],
)
def test_intents(text: str, named: bool, expected: Intent) -> None:
    assert intent(text, named=named) is expected


def test_a_purchase_statement_mentioning_delivery_is_a_quote_not_a_policy_question() -> None:
    text = "We need an X delivered within a month, budget around 4000 USD."
    assert intent(text, named=True) is Intent.QUOTE


def test_contact_details_are_thanked_even_while_a_product_is_in_focus() -> None:
    assert intent("My email is jane@acme.test, Jane Doe.", in_focus=True, contact=True) is Intent.CONTACT


def test_a_question_about_the_product_in_focus_uses_it() -> None:
    assert intent("Is it in stock?", in_focus=True) is Intent.AVAILABILITY


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("That's too expensive", "price"),
        ("Дороговато", "price"),
        ("I need to think about it", "think"),
        ("Мне надо подумать", "think"),
        ("Your competitor is cheaper", "competitor"),
        ("У конкурентов дешевле", "competitor"),
        ("We have no budget this year", "budget"),
        ("Нет бюджета", "budget"),
        ("Why should I trust you?", "trust"),
        ("Не доверяю новым поставщикам", "trust"),
        ("How much is it?", None),
    ],
)
def test_objections(text: str, kind: str | None) -> None:
    assert objection_kind(text) == kind
    if kind:
        assert intent(text) is Intent.OBJECTION


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How much are 12 of your panels?", True),
        ("Сколько стоят панели?", True),
        ("Do you have downlights in stock?", True),
        ("How much is delivery?", False),  # a service topic: answered from documents
        ("That's too expensive", False),
        ("Hello", False),
    ],
)
def test_product_requests_that_may_name_products_loosely(text: str, expected: bool) -> None:
    assert asks_about_products(Signals(text, text, default_vocabulary())) is expected


def test_a_company_cue_routes_its_customers_own_wording() -> None:
    """A company whose customers ask "is it on the truck yet?" adds a cue, no code."""
    text = "Is the X on the truck yet?"
    assert intent(text, named=True) is not Intent.LEAD_TIME
    extra = {"lead_time": {"cues": {"en": [r"\bon the truck\b"]}}}
    company = IntentVocabulary.from_data(load_yaml("intents.yaml"), extra)
    signals = Signals(text, text, company)
    assert classify(signals, Facts(named=True, in_focus=True)) is Intent.LEAD_TIME


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"delivery_time": {"examples": {"en": ["when?"]}}}, "unknown intent 'delivery_time'"),
        ({"lead_time": {"cues": {"en": ["(unclosed"]}}}, "is not a regular expression"),
        ({"lead_time": {"phrases": ["x"]}}, "unknown key(s) phrases"),
    ],
)
def test_a_company_intents_file_with_a_mistake_says_what_is_wrong(extra: dict[str, object], message: str) -> None:
    with pytest.raises(IntentDataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        IntentVocabulary.from_data(load_yaml("intents.yaml"), extra)
