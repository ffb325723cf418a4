"""Money: the customer's budget, and whether they accept our quote."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.extract.currencies import currency_of, symbols
from bot.extract.numbers import number_phrases, power_value, power_words
from bot.extract.text import Span

_NUM = r"(?<![\w.,])(?P<num>\d{1,3}(?:[ ,.]\d{3})+(?:[.,]\d{1,2})?|\d{1,12}(?:[.,]\d{1,2})?)"
# Thousands and millions, as words in any case form ("тысяч", "миллиона") or abbreviated ("15k").
_MULT = rf"(?:\s?(?P<mult>(?i:{'|'.join(sorted(power_words(), key=len, reverse=True))}))\.?(?![\w]))"
# A currency before or after the amount: a sign ("$", "₸", "zł"), an ISO code, or any one word,
# kept only when it names a currency ("tenge", "злотых"); checked in code with `currency_of`.
_SIGN = rf"(?:{'|'.join(re.escape(s) for s in sorted(symbols(), key=len, reverse=True))})"
_NEXT_WORD = re.compile(rf"\s?({_SIGN}|[^\W\d_]{{1,20}}\.?)")
_PRE = rf"(?P<pre>{_SIGN}|\b[A-Z]{{3}}\b|(?i:usd|eur|gbp|rub)\b)"
_POST = rf"(?P<post>{_SIGN}|[^\W\d_]{{1,20}}\.?)"
# One pattern keeps it linear; a number with no currency is skipped in code unless a budget cue
# stands before it and it is a round sum of thousands ("до 700 тысяч", "up to 15k").
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
# What may follow a sum with no currency for it to be money: the clause ends, or it goes on
# ("up to 15k for the lot", "до 700 тысяч на всё"); "20 тысяч коробок" counts boxes.
_CLAUSE_GOES_ON = re.compile(r"\s*(?:[,.;!?)\n]|$|(?i:and|for|on|in|but|max|net|и|на|за|в|но|с|без)\b)")
# "за всё" is the whole sum; "за упаковку", "per licence", "each", "в месяц" price one thing.
_PER_UNIT_AFTER = re.compile(
    r"(?i:\s{0,2}(?:each\b|apiece|a piece|per\b|a month|a year|monthly|/\s?[^\W\d]"
    r"|за\s(?!(?:всё|все|весь|всю|всех|итого|total)\b)[^\W\d]|в месяц|в год))"
)
_PER_UNIT_BEFORE = re.compile(r"(?i:\bпо\s?$)")
_CUE_REACH = 50
_MAX_AMOUNTS = 20  # a message names a few amounts; past that it is a price list, not a budget
_SENTENCE_END = re.compile(r"[.!?\n]")
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
    """Amounts written with a currency ("$5k", "4000 USD", "26 000 долларов", "700 тысяч тенге",
    "полтора миллиона рублей"), in order."""
    found: list[Money] = []
    for match in _MONEY.finditer(text):
        currency = _currency_in(match)
        if currency is None:
            continue
        amount = _amount(match.group("num"), match.group("mult"))
        if amount is not None:
            found.append(Money(amount, currency, Span(match.start(), _money_end(match))))
    found += [m for m in _spelled_money(text) if m.currency]
    return sorted(found, key=lambda m: m.span.start)


def _money_end(match: re.Match[str]) -> int:
    """Where the amount ends: after its currency, not after a word that merely follows it."""
    post = match.group("post")
    if post and currency_of(post):
        return match.end()
    return match.end("mult") if match.group("mult") else match.end("num")


def _currency_in(match: re.Match[str]) -> str | None:
    pre, post = match.group("pre"), match.group("post")
    return (currency_of(pre) if pre else None) or (currency_of(post) if post else None)


def _spelled_money(text: str) -> list[Money]:
    """Sums written in words ("fifteen thousand dollars", "около полутора миллионов"), with the
    currency after them if one is."""
    found: list[Money] = []
    for phrase in number_phrases(text):
        after = _NEXT_WORD.match(text, phrase.end)
        currency = currency_of(after.group(1)) if after else None
        end = after.end() if after and currency else phrase.end
        found.append(Money(phrase.value, currency, Span(phrase.start, end)))
    return found


def find_budget(text: str, money: list[Money]) -> Money | None:
    """The budget: money near a budget word first, then any money not quoted as a price."""
    unpriced = [m for m in money[:_MAX_AMOUNTS] if not _PRICE_CUE.search(_before(text, m.span))]
    unpriced = [m for m in unpriced if not _per_unit(text, m.span)]
    cued = next((m for m in unpriced if _BUDGET_CUE.search(_before(text, m.span))), None)
    if cued:
        return cued
    bare_sum = next((m for m in _round_sums(text) if _BUDGET_CUE.search(_before(text, m.span))), None)
    if bare_sum and not money:
        return bare_sum
    bare = _BUDGET_NUMBER.search(text)
    if bare:
        amount = _amount(bare.group("num"), bare.group("mult"))
        if amount is not None and not money:
            return Money(amount, None, Span(bare.start("num"), bare.end()))
    # Without a budget word, an amount quoted as a price or asked about is ours, not theirs.
    return next((m for m in unpriced if not _asked(text, m.span)), None)


def _round_sums(text: str) -> list[Money]:
    """Sums of thousands or more with no currency ("700 тысяч", "15k", "полтора миллиона") that
    end their clause, so they are money and no count of things."""
    found = [
        Money(amount, None, Span(m.start(), m.end("mult")))
        for m in _MONEY.finditer(text)
        if m.group("mult") and (amount := _amount(m.group("num"), m.group("mult"))) is not None
    ]
    found += [m for m in _spelled_money(text) if m.amount >= 1000]
    return [m for m in found if _CLAUSE_GOES_ON.match(text, m.span.end)]


def _per_unit(text: str, span: Span) -> bool:
    """A price of one thing, not a budget: "по 950 тг за упаковку", "£12 per licence", "€5 each"."""
    return bool(_PER_UNIT_AFTER.match(text, span.end) or _PER_UNIT_BEFORE.search(_before(text, span)))


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
        amount *= power_value(multiplier) or 1
    # "1.5k" is 1500, not 1500.0
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount
