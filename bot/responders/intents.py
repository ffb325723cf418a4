"""What a customer message asks for, by bilingual keyword patterns.

Patterns name the *kind* of request (price, stock, objection ...), never a
company's products or policies: those come from the catalog and documents.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Intent(StrEnum):
    EMPTY = "empty"
    HUMAN = "human"
    GREETING = "greeting"
    THANKS = "thanks"
    OBJECTION = "objection"
    QUOTE = "quote"
    AVAILABILITY = "availability"
    LEAD_TIME = "lead_time"
    CROSS_SELL = "cross_sell"
    UPSELL = "upsell"
    PRODUCT_QUESTION = "product_question"
    POLICY = "policy"
    CONTACT = "contact"
    CHOOSE = "choose"
    CATALOG = "catalog"
    OTHER = "other"


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


HUMAN = _rx(
    r"\b(talk|speak|chat)\b.{0,20}\b(human|person|someone|manager|agent|representative|sales ?rep)",
    r"\b(real|live) (person|human|agent)\b", r"\boperator\b",
    r"\b(позов|соедин|переключ|дайте|хочу|нужен|можно)\w*.{0,25}"
    r"(человек|менеджер|оператор|сотрудник|консультант)",
    r"живо\w* человек", r"\bоператор\w*",
)
GREETING = _rx(
    r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|greetings)\b",
    r"^\s*(привет|здравствуй\w*|добрый (день|вечер)|доброе утро|добрый)\b",
)
# "What do you sell?": answered with the catalog's categories, not a document sentence.
CATALOG = _rx(
    r"\bwhat (?:do|can) you (?:sell|offer|have|make|supply|stock)\b", r"\bwhat (?:products|items|kind of products)\b",
    r"\b(?:your|the) (?:range|assortment|catalog(?:ue)?|product (?:line|range))\b",
    r"\bчто (?:вы )?(?:продаете|продаёте|предлагаете|можете предложить|есть у вас)\b",
    r"\bкаки\w* (?:у вас )?(?:товар\w*|продукци\w*|позици\w*)\b", r"\bчем (?:вы )?торгуете\b", r"\bассортимент\w*",
)
THANKS = _rx(r"\b(thanks|thank you|thx|cheers)\b", r"\b(спасибо|благодарю|спс)\b")
OBJECTIONS: dict[str, re.Pattern[str]] = {
    "price": _rx(r"\btoo (expensive|pricey|much)\b", r"\b(expensive|overpriced)\b", r"\bдорог\w*"),
    "think": _rx(r"\b(need|have|want) to think\b", r"\bthink (about|it over)\b", r"\bподума\w*"),
    "competitor": _rx(r"\bcompetitor\w*\b", r"\bcheaper\b", r"\bдешевл\w*", r"\bконкурент\w*", r"\bу других\b"),
    "budget": _rx(
        r"\bno budget\b", r"\b(can't|cannot|can not) afford\b", r"\bнет (бюджета|денег|средств)\b", r"\bне потянем\b"
    ),
    "trust": _rx(
        r"\b(trust|reliable|reliability|scam|legit)\w*", r"\bдовер(?:я|и[тея])\w*", r"\bнад[её]жн\w*", r"\bобман\w*"
    ),
}
# Questions about a service around the product (delivery, installation, warranty ...):
# they are answered from documents even when a product is named.
SERVICE_TOPIC = _rx(
    r"\b(deliver\w*|shipping|ship to|ship\w* to|install\w*|setup|set up|warrant\w*|guarantee\w*|return\w*|"
    r"refund\w*|payment|pay|invoice\w*|installment\w*|trial|repair\w*|service visit\w*|pick\s?up|collect\w*|"
    r"vat|tax\w*|defect\w*|faulty|broken|replace\w* (?:it|them|a|the) (?:if|when)|samples?|minimum order|"
    r"min(?:imum)? run|export\w*|customs|courier|opening hours|open on|address)\b",
    r"\b(доставк\w*|достав\w*|установк\w*|монтаж\w*|подключени\w*|гаранти\w*|возврат\w*|вернуть|"
    r"оплат\w*|счёт\w*|счет\w*|рассрочк\w*|ремонт\w*|самовывоз\w*|забрать|заберу|забер\w*|ндс|налог\w*|"
    r"брак\w*|рекламац\w*|дефект\w*|образц\w*|минимальн\w* (?:заказ|тираж|партия)|экспорт\w*|таможн\w*|"
    r"отправ\w* (?:в|до)|адрес\w*|график\w*|часы работы)\b",
)
LEAD_TIME = _rx(
    r"\blead[- ]?time\b", r"\bhow (long|soon|fast)\b.{0,30}\b(ship|deliver|get|arrive|take)",
    r"\bwhen (can|could|will|would)\b.{0,30}\b(ship|deliver|get|arrive)", r"\bсрок\w* поставк\w*",
    r"\bкак (быстро|скоро)\b", r"\bкогда\b.{0,30}(поставк|привез|получ|отгруз)",
)
AVAILABILITY = _rx(
    r"\bin stock\b", r"\bavailab\w*", r"\bhow many\b.{0,40}\b(have|left|stock)\b", r"\bon hand\b",
    r"\bhow many\b.{0,60}\b(ship|send|deliver)\w*\b.{0,20}\b(right away|now|today|immediately|at once)\b",
    r"\bсколько\b.{0,60}\b(отгруз|отправ)\w*\b.{0,20}\b(сразу|сейчас|сегодня)\b",
    r"\bв наличии\b", r"\bостат\w*",
    r"\bналичи\w*", r"\bесть ли\b", r"\bсколько\b.{0,30}\b(есть|осталось|на складе)\b", r"\bна складе\b",
)
CROSS_SELL = _rx(
    r"\bwhat else\b", r"\b(together|along) with\b", r"\bgoes? (well )?with\b", r"\baccessor\w*",
    r"\bcomplement\w*", r"\bwhat (?:do|would|should) (?:i|we) (?:also )?need\b",
    r"\b(?:need|have) to (?:buy|get|order|add) (?:with|for)\b",
    r"\bto (?:hang|mount|install|fix|connect|run|use) (?:it|them)\b",
    r"\bwhat (?:\w+ )?(?:do|should) (?:i|we) (?:buy|get|order|use) (?:with|for)\b", r"\bcompatible\b",
    r"\bчто (ещё|еще)\b", r"\bвместе с\b", r"\bаксессуар\w*", r"\bк (нему|ней|ним)\b", r"\bдополнительно\b",
    r"\bв комплект\w* (?:к|с)\b", r"\bчто (?:\w+ )?(?:нужно|надо|стоит) (?:докупить|купить|взять|брать|заказать)\b",
    r"\b(?:как\w*|что) \w+ (?:нужно|надо) (?:брать|взять|купить) (?:для|к)\b", r"\bподход\w* (?:к|для)\b",
    r"\bсовместим\w*",
)
UPSELL = _rx(
    r"\b(bigger|larger|more powerful|better|faster|higher[- ]end|premium|upgrade\w*|step up|stronger|sturdier"
    r"|more durable|heavier[- ]duty|thicker|tougher)\b", r"\b(?:прочнее|надежнее|надёжнее|толще|вместительнее)\b",
    r"\bпобольше\b", r"\bбольш(е|ую|ий|ая|ой)\b", r"\bмощне\w*",
    r"\bлучше\b.{0,20}\b(модел|вариант)", r"\bстарш\w* модел\w*",
)
PRICE = _rx(
    r"\bhow much\b", r"\b(price|prices|pricing|cost|costs|quote|total|discount\w*)\b",
    r"\bсколько\b.{0,20}\b(стоит|стоят|стоить|будет|будут)\b", r"\b(цен\w*|стоимост\w*|прайс\w*|скидк\w*|итого)\b",
    r"\bпочём\b|\bпочем\b",
)
WANT = _rx(
    r"\b(want|need|would like|'d like|looking for|order|buy|purchase|interested in|make it|take)\b",
    r"\b(хочу|хотим|нужн\w*|нужен|интересу\w*|закаж\w*|заказ\w*|купи\w*|беру|возьм\w*)\b",
)
QUESTION = _rx(
    r"\?", r"^\s*(what|which|how|when|where|why|who|is|are|do|does|can|could|will|would)\b",
    r"^\s*(что|какой|какая|какое|какие|как|когда|где|почему|можно|есть ли|сколько)\b",
)


def asks_about_products(text: str) -> bool:
    """A price, purchase or stock request that may name products loosely ("your panels")."""
    if SERVICE_TOPIC.search(text) or objection_kind(text):
        return False
    return bool(PRICE.search(text) or WANT.search(text) or AVAILABILITY.search(text))


def objection_kind(text: str) -> str | None:
    """Which objection a message raises, if any."""
    for kind, pattern in OBJECTIONS.items():
        if pattern.search(text):
            return kind
    return None


def classify(
    text: str, *, named: bool, in_focus: bool, gave_contact: bool, gave_quantity: bool = False
) -> Intent:
    """The intent of one message.

    `named`: the message names a catalog product; `in_focus`: the conversation is about one
    ("is it in stock?", "make it 120"); `gave_contact`: it carries a name, email or phone;
    `gave_quantity`: it says how many.
    """
    if not text.strip():
        return Intent.EMPTY
    if HUMAN.search(text):
        return Intent.HUMAN
    is_question = bool(QUESTION.search(text))
    if objection_kind(text) and not (named and PRICE.search(text) and is_question):
        return Intent.OBJECTION
    if named or (in_focus and (is_question or gave_quantity) and not gave_contact):
        return _product_intent(text, is_question, gave_quantity)
    if CATALOG.search(text):
        return Intent.CATALOG
    if gave_contact and not is_question:
        return Intent.CONTACT
    if is_question or SERVICE_TOPIC.search(text):
        return Intent.POLICY
    if gave_contact:
        return Intent.CONTACT
    if GREETING.search(text):
        return Intent.GREETING
    if THANKS.search(text):
        return Intent.THANKS
    return Intent.OTHER


def _product_intent(text: str, is_question: bool, gave_quantity: bool = False) -> Intent:
    # A service question first: "how long after delivery can defective X be replaced?" asks
    # about the returns policy, not the lead time of X.
    if is_question and SERVICE_TOPIC.search(text):  # "how much is installation of X?"
        return Intent.POLICY
    if LEAD_TIME.search(text):
        return Intent.LEAD_TIME
    if UPSELL.search(text) and is_question:  # before stock: "есть ли модель мощнее X?" asks for the upgrade
        return Intent.UPSELL
    if AVAILABILITY.search(text):
        return Intent.AVAILABILITY
    if CROSS_SELL.search(text):
        return Intent.CROSS_SELL
    if PRICE.search(text) or WANT.search(text) or gave_quantity:  # a quantity and a product make a quote
        return Intent.QUOTE
    return Intent.PRODUCT_QUESTION if is_question else Intent.QUOTE
