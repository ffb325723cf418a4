"""Timelines: "within a month", "через 2 месяца", "by December 15", "до конца года", "ASAP".

Also the spans of every date, duration and frequency, so the quantity extractor does not
read "2 месяца" or "1 декабря" as a number of products.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.extract.calendar_phrases import (
    DAY_OF_MONTH,
    day_of_month_phrases,
    end_of_next,
    month_phrases,
    weekday_phrases,
)
from bot.extract.calendar_words import alternation, months
from bot.extract.text import COUNT_RE, Span, word_number

_UNIT_DAYS = (
    (r"day|days|день|дня|дней|сутки|суток", 1),
    (r"week|weeks|недел[яиюь]|недель", 7),
    (r"fortnight", 14),
    (r"month|months|месяц|месяца|месяцев", 30),
    (r"quarter|quarters|квартал|квартала|кварталов", 90),
    (r"year|years|год|года|лет", 365),
)
_UNIT = "|".join(pattern for pattern, _ in _UNIT_DAYS)
_COUNT = rf"(?P<n>a couple of|a few|{COUNT_RE})"
_DURATION = rf"(?:{_COUNT}\s)?(?P<unit>{_UNIT}|полгода|half a year)\b"
_RELATIVE = re.compile(
    rf"(?i:\b(?:within|in|over|during|through|через|в течение|в ближайш(?:ие|ий|ую))"
    rf"(?: the| a)?(?: next| coming| ближайшие)?\s{_DURATION})"
)
_URGENT = re.compile(
    r"(?i:\basap\b|\bas soon as possible|\burgent(?:ly)?\b|\bright away|\bimmediately|\bсрочно"
    r"|\bкак можно (?:скорее|быстрее)|\bнемедленно|\bв ближайшее время)"
)
_NEXT = re.compile(
    r"(?i:\b(?:(?P<en>next|this) (?P<enu>week|month|year)"
    r"|(?:на|в) (?P<ru>следующ|эт)\w{0,3} (?P<ruu>недел|месяц|год)\w{0,3}"
    r"|(?P<day>(?:by|before|until) tomorrow|(?:до|к) завтра\w{0,6}))\b)"
)
_END_OF = re.compile(
    r"(?i:\b(?:by |until |before |до |к )?(?:the )?(?:end of (?:the |this )?(?P<en>month|year|quarter)"
    r"|конц[аеу] (?P<ru>месяца|года|квартала)))"
)
_MONTH_NAME = alternation(months())
_DATE_CUE = r"(?:(?:by|before|until|till|on|from|starting|start|no later than|с|со|к|до|по|на|не позднее|начиная с)\s)?"
_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th|-?го|-е)?"
_YEAR = r"(?:,?\s(?P<y>20\d\d))?"
# "December 15", "Dec 15th, 2026"
_DATE_MD = re.compile(rf"(?i:\b{_DATE_CUE}(?P<month>{_MONTH_NAME})\.?\s{_DAY}\b{_YEAR})")
# "15 December", "15th of Dec", "1 декабря", "1-го марта 2027 года"
_DATE_DM = re.compile(
    rf"(?i:\b{_DATE_CUE}{_DAY}\s(?:of\s)?(?P<month>{_MONTH_NAME})\.?(?![\w]){_YEAR})"
)
_NUMERIC_DATE = re.compile(
    r"\b(?P<a>[0-3]?\d)(?P<sep>[./])(?P<b>[01]?\d)(?P=sep)(?P<y>20\d\d)\b"
    r"|\b(?P<iy>20\d\d)-(?P<im>[01]\d)-(?P<id>[0-3]\d)\b"
)
_FREQUENCY = re.compile(
    rf"(?i:\b(?:every|each|per|a|once a|twice a|каждый|каждую|каждые|каждое|в|раз в)\s(?:\d{{1,3}}\s)?(?:{_UNIT})\b"
    r"|\b(?:daily|weekly|monthly|yearly|annually|ежедневно|еженедельно|ежемесячно|ежегодно)\b)"
)
_OTHER_NUMBERS = re.compile(rf"(?i:\b\d{{1,2}}:\d{{2}}\b|\b\d{{1,3}}\s?%|\b{_DURATION})")


_DEADLINE = re.compile(r"(?i:(?:by|before|until|till|no later than|not later than|до|к|ко|не позднее)\b)")


@dataclass(frozen=True, slots=True)
class Timeline:
    """When the customer wants it: days from now, and the words they used."""

    days: int
    text: str
    span: Span


def time_spans(text: str) -> list[Span]:
    """Spans of every date, duration, frequency, clock time and percentage in the text."""
    patterns = (_RELATIVE, _DATE_MD, _DATE_DM, _NUMERIC_DATE, _FREQUENCY, _OTHER_NUMBERS, DAY_OF_MONTH)
    return [Span(m.start(), m.end()) for pattern in patterns for m in pattern.finditer(text)]


def find_timeline(text: str, now: datetime) -> Timeline | None:
    """The timeline the text states; frequencies ("every month") are not timelines.

    A time from now ("через три недели", "ASAP", "next week") wins over a calendar one said in
    the same message ("в феврале, то есть через три недели"): it is exact, while a month is read
    against today's date. Then a deadline ("before the end of March") wins over a plain date
    ("refitted in April"), then the first said; a phrase inside a longer one gives way to it.
    """
    today = now.date()
    frequencies = [Span(m.start(), m.end()) for m in _FREQUENCY.finditer(text)]
    from_now = [
        *(_found(m, _relative_days(m)) for m in _RELATIVE.finditer(text)),
        *(_found(m, 7) for m in _URGENT.finditer(text)),
        *(_found(m, _next_days(m, today)) for m in _NEXT.finditer(text)),
        *(_found(m, _end_of_days(m, today)) for m in _END_OF.finditer(text)),
        *(_found(m, days) for days, m in end_of_next(text, today)),
    ]
    by_calendar = [
        *(_found(m, _date_days(m, today)) for m in _DATE_MD.finditer(text)),
        *(_found(m, _date_days(m, today)) for m in _DATE_DM.finditer(text)),
        *(_found(m, _numeric_days(m, today)) for m in _NUMERIC_DATE.finditer(text)),
        *(_found(m, days) for days, m in month_phrases(text, today)),
        *(_found(m, days) for days, m in weekday_phrases(text, today)),
        *(_found(m, days) for days, m in day_of_month_phrases(text, today)),
    ]
    for found in (from_now, by_calendar):
        valid = [t for t in found if t is not None and not _inside(t.span, frequencies)]
        widest = _outermost(valid)
        if widest:
            return min(widest, key=lambda t: (not _DEADLINE.match(t.text), t.span.start, -t.span.end))
    return None


def _found(match: re.Match[str], days: int | None) -> Timeline | None:
    if days is None or days < 0:
        return None
    # "on 3 March." keeps no sentence's full stop (an abbreviation's dot goes too: harmless).
    return Timeline(days, match.group().strip().rstrip("."), Span(match.start(), match.end()))


def _outermost(found: list[Timeline]) -> list[Timeline]:
    """The timelines not inside a longer one ("в конце января", not its "января"), in one sweep."""
    kept: list[Timeline] = []
    reach = -1
    for timeline in sorted(found, key=lambda t: (t.span.start, -t.span.end)):
        if timeline.span.end > reach:
            kept.append(timeline)
            reach = timeline.span.end
    return kept


def _inside(span: Span, others: list[Span]) -> bool:
    return any(o.start <= span.start and span.end <= o.end for o in others)


def _relative_days(match: re.Match[str]) -> int | None:
    unit = match.group("unit").lower()
    if unit in ("полгода", "half a year"):
        return 182
    per_unit = next(days for pattern, days in _UNIT_DAYS if re.fullmatch(pattern, unit))
    count = _count(match.group("n"))
    return None if count is None else round(count * per_unit)


def _count(raw: str | None) -> float | None:
    if raw is None:
        return 1
    raw = raw.lower()
    if raw in ("a", "an"):
        return 1
    if raw in ("полтора", "полторы"):
        return 1.5
    if raw in ("a couple of", "пару"):
        return 2
    if raw in ("a few", "несколько"):
        return 3
    if raw.isdecimal():
        return int(raw) if len(raw) <= 4 else None
    return word_number(raw)


def _next_days(match: re.Match[str], today: date) -> int:
    day = (match.group("day") or "").lower()
    if day:
        return 0 if day in ("today", "сегодня") else 1
    unit = (match.group("enu") or match.group("ruu")).lower()
    this = (match.group("en") or match.group("ru")).lower() in ("this", "эт")
    if this:
        return _end_of(unit, today)
    return {"week": 7, "недел": 7, "month": 30, "месяц": 30}.get(unit, 365)


def _end_of_days(match: re.Match[str], today: date) -> int:
    return _end_of((match.group("en") or match.group("ru")).lower(), today)


def _end_of(unit: str, today: date) -> int:
    """Days until the end of the current week, month, quarter or year."""
    if unit.startswith(("year", "год")):
        return (date(today.year, 12, 31) - today).days
    if unit.startswith(("quarter", "квартал")):
        last_month = (today.month - 1) // 3 * 3 + 3
        return (date(today.year, last_month, calendar.monthrange(today.year, last_month)[1]) - today).days
    if unit.startswith(("week", "недел")):
        return 6 - today.weekday()
    return (date(today.year, today.month, calendar.monthrange(today.year, today.month)[1]) - today).days


def _date_days(match: re.Match[str], today: date) -> int | None:
    month = months().get(match.group("month").lower().rstrip("."))
    return _days_until(today, month, int(match.group("d")), match.group("y"))


def _numeric_days(match: re.Match[str], today: date) -> int | None:
    if match.group("iy"):
        return _days_until(today, int(match.group("im")), int(match.group("id")), match.group("iy"))
    first, second = int(match.group("a")), int(match.group("b"))
    # Dots are day-first everywhere; a slash is month-first unless that can't be a date.
    day, month = (first, second) if match.group("sep") == "." or first > 12 else (second, first)
    return _days_until(today, month, day, match.group("y"))


# "Connect us from December 1", written on December 5, means "now", not in a year.
OVERDUE_WITHIN_DAYS = 31


def _days_until(today: date, month: int | None, day: int, year: str | None) -> int | None:
    """Days until the date. Without a year, a date passed within a month is due now (0);
    one passed longer ago means next year's."""
    if month is None:
        return None
    try:
        target = date(int(year) if year else today.year, month, day)
        if target < today and not year:
            if (today - target).days <= OVERDUE_WITHIN_DAYS:
                return 0
            target = target.replace(year=today.year + 1)
    except ValueError:
        return None
    return (target - today).days
