"""What this turn's tool results said: the only figures, contacts and links a reply may carry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from bot.extract.money import find_money

# A number as people write it: "20 865,60", "20,865.60", "1.5", "48". No-break and thin spaces too.
NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:[ \u00a0\u202f,.']\d{3})+(?:[.,]\d+)?(?!\d)|(?<![\w])\d+(?:[.,]\d+)?(?!\d)")
PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s?(?:%|процент|percent|per cent)", re.IGNORECASE)
URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>()\"'\]]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^\s<>()\"'\]]*")


def values(token: str) -> set[Decimal]:
    """Every value a written number may mean: "1,250" is 1250 in English and 1.25 in Russian."""
    compact = re.sub(r"[ \u00a0\u202f']", "", token)
    if "," in compact and "." in compact:  # the last mark is the decimal one
        mark = "," if compact.rfind(",") > compact.rfind(".") else "."
        other = "." if mark == "," else ","
        readings = {compact.replace(other, "").replace(mark, ".")}
    else:
        mark = "," if "," in compact else "."
        readings = set()
        if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(mark)}\d{{3}})*", compact):  # marks between thousands
            readings.add(compact.replace(mark, ""))
        if compact.count(mark) == 1:
            readings.add(compact.replace(mark, "."))  # a decimal mark
    out: set[Decimal] = set()
    for reading in readings:
        try:
            out.add(Decimal(reading).normalize())
        except InvalidOperation:
            continue
    return out


def numbers_in(text: str) -> set[Decimal]:
    found: set[Decimal] = set()
    for match in NUMBER.finditer(text):
        found |= values(match.group())
    return found


def money_in(text: str) -> set[Decimal]:
    return {m.amount.normalize() for m in find_money(text)}


def percents_in(text: str) -> set[Decimal]:
    found: set[Decimal] = set()
    for match in PERCENT.finditer(text):
        found |= values(match.group(1))
    return found


def urls_in(text: str) -> set[str]:
    return {u.rstrip(".,;:!?").lower().removeprefix("https://").removeprefix("http://") for u in URL.findall(text)}


@dataclass
class TurnFacts:
    """Grows with every tool result of one turn; the guards check the reply against it."""

    texts: list[str] = field(default_factory=list)
    money: set[Decimal] = field(default_factory=set)
    percents: set[Decimal] = field(default_factory=set)
    numbers: set[Decimal] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)

    def add_text(self, text: str) -> None:
        """A tool result as the model read it: every figure in it may be repeated."""
        self.texts.append(text)
        self.money |= money_in(text)
        self.percents |= percents_in(text)
        self.numbers |= numbers_in(text)

    def add_money(self, *amounts: Decimal) -> None:
        self.money |= {a.normalize() for a in amounts}
        for amount in amounts:
            self.numbers |= values(str(amount))

    def add_percent(self, percent: Decimal) -> None:
        self.percents.add(percent.normalize())
        self.numbers.add(percent.normalize())

    def add_source(self, source: str) -> None:
        if source not in self.sources:
            self.sources.append(source)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)
