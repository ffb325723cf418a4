"""Money: the customer's budget, and whether they accept our quote."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.extract.text import Span

_NUM = r"(?<![\w.,])(?P<num>\d{1,3}(?:[ ,.]\d{3})+(?:[.,]\d{1,2})?|\d{1,12}(?:[.,]\d{1,2})?)"
_MULT = r"(?:\s?(?P<mult>k|к|тыс\.?|тысяч[аи]?|thousand|млн\.?|миллион(?:а|ов)?|million|mln|m)(?![\w]))"
_PRE = r"(?P<pre>US\$|\$|€|£|₽|(?i:usd|eur|gbp|rub)\b)"
_POST = (
    r"(?P<post>\$|€|£|₽|(?i:usd|eur|gbp|rub|dollars?|bucks|euros?|pounds?|rubles?|roubles?"
    r"|долл(?:ар(?:ов|а|ы)?)?\.?|евро|руб(?:л(?:ей|я|ь))?\.?|р\.)(?!\w))"
)
# Currency before or after; a number with neither is skipped in code (one pattern keeps it linear).
_MONEY = re.compile(rf"(?:{_PRE}\s?)?{_NUM}{_MULT}?(?:\s?{_POST})?")
_BUDGET_NUMBER = re.compile(
    rf"(?i:\b(?:budget|бюджет)[а-я]{{0,2}}\s?(?:is|of|:|—|-|около|примерно|around|about|~)?\s?){_NUM}{_MULT}?"
)
# Up to three short words between a cue and the amount: "budget is around", "price for me is".
_GAP = r"(?:\W{1,3}[^\W\d]{1,12}){0,3}\W{0,3}$"
_BUDGET_CUE = re.compile(
    rf"(?i:\b(?:budget|бюджет|up to|within|max|maximum|spend|afford|around|about|approximately|roughly"
    rf"|до|около|примерно|порядка|в пределах|не более|не больше|потратить|готовы)){_GAP}"
)
_PRICE_CUE = re.compile(rf"(?i:\b(?:cost|costs|price|priced|prices|стоит|стоят|цена|стоимость|цену)){_GAP}")
_CUE_REACH = 50
_MAX_AMOUNTS = 20  # a message names a few amounts; past that it is a price list, not a budget
_SENTENCE_END = re.compile(r"[.!?\n]")
_SYMBOLS = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "₽": "RUB", "р": "RUB"}
# Currency words by their stem, so every inflection ("доллара", "долларов", "rubles") maps.
_STEMS = (("usd", "USD"), ("dollar", "USD"), ("buck", "USD"), ("долл", "USD"), ("eur", "EUR"),
          ("евро", "EUR"), ("gbp", "GBP"), ("pound", "GBP"), ("rub", "RUB"), ("roubl", "RUB"),
          ("руб", "RUB"))  # fmt: skip
_MULTIPLIERS = {"k": 1_000, "к": 1_000, "тыс": 1_000, "thousand": 1_000, "тысяч": 1_000, "тысяча": 1_000,
                "тысячи": 1_000, "m": 1_000_000, "млн": 1_000_000, "million": 1_000_000, "mln": 1_000_000,
                "миллион": 1_000_000, "миллиона": 1_000_000, "миллионов": 1_000_000}  # fmt: skip
_ACCEPTS = re.compile(
    r"(?i:\b(?:the )?(?:price|quote|offer|terms) (?:works|is (?:fine|ok|okay|good|acceptable)|looks good)"
    r"|\bwe accept\b|\bi accept\b|\baccepted\b|(?:^|[.!]\s{0,3})deal\b|\bit's a deal|\blet's (?:do it|proceed|go ahead)"
    r"|\bwe'll take (?:it|them)"
    r"|\b(?<!не )устраива(?:ет|ют)|\b(?<!не )согла(?:сен|сна|сны)\b|\bдоговорились|\bберём|\bберем\b|\bоформляйте)"
)
_REJECTS = re.compile(
    r"(?i:\b(?:doesn't|does not|don't|do not) work for us|\btoo expensive|\bне устраива|\bне согласн|\bдорого)"
)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of money written in the text; `currency` is ISO 4217 or None if unsaid."""

    amount: Decimal
    currency: str | None
    span: Span


def find_money(text: str) -> list[Money]:
    """Amounts written with a currency ("$5k", "4000 USD", "26 000 долларов"), in order."""
    found: list[Money] = []
    for match in _MONEY.finditer(text):
        if not (match.group("pre") or match.group("post")):
            continue
        amount = _amount(match.group("num"), match.group("mult"))
        if amount is not None:
            currency = _currency(match.group("pre") or match.group("post"))
            found.append(Money(amount, currency, Span(match.start(), match.end())))
    return found


def find_budget(text: str, money: list[Money]) -> Money | None:
    """The budget: money near a budget word first, then any money not quoted as a price."""
    unpriced = [m for m in money[:_MAX_AMOUNTS] if not _PRICE_CUE.search(_before(text, m.span))]
    cued = next((m for m in unpriced if _BUDGET_CUE.search(_before(text, m.span))), None)
    if cued:
        return cued
    bare = _BUDGET_NUMBER.search(text)
    if bare:
        amount = _amount(bare.group("num"), bare.group("mult"))
        if amount is not None and not money:
            return Money(amount, None, Span(bare.start("num"), bare.end()))
    # Without a budget word, an amount quoted as a price or asked about is ours, not theirs.
    return next((m for m in unpriced if not _asked(text, m.span)), None)


def _before(text: str, span: Span) -> str:
    return text[max(0, span.start - _CUE_REACH) : span.start]


def _asked(text: str, span: Span) -> bool:
    """The amount stands in a question ("Is it 3450 USD?")."""
    end = _SENTENCE_END.search(text, span.end, span.end + _CUE_REACH * 4)
    return bool(end and end.group() == "?")


def accepts_quote(text: str) -> bool | None:
    """True for explicit acceptance ("the price works for us", "устраивает"), False for an
    explicit refusal, None otherwise: asking for a quote is not accepting one."""
    if _REJECTS.search(text):
        return False
    return True if _ACCEPTS.search(text) else None


def _currency(word: str) -> str | None:
    """ISO 4217 code of a currency symbol or word."""
    word = word.lower().rstrip(".")
    if word in _SYMBOLS:
        return _SYMBOLS[word]
    return next((code for stem, code in _STEMS if word.startswith(stem)), None)


def _amount(number: str, multiplier: str | None) -> Decimal | None:
    """Parse "26 000", "4,000.50", "1.5" (with a multiplier) into a Decimal."""
    digits = number.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):
        digits = digits.replace(",", "").replace(".", "")  # thousands separators only
    else:
        digits = re.sub(r"[.,](?=\d{3}(?:\D|$))", "", digits).replace(",", ".")
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        return None
    if multiplier:
        amount *= _MULTIPLIERS.get(multiplier.lower().rstrip("."), 1)
    # "1.5k" is 1500, not 1500.0
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount
