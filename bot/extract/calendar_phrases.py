"""Timelines said by the calendar without a full date: "в феврале", "before March", "в конце января",
"к 1-му числу", "до пятницы", "by the end of next week".

Each finder yields (days from today, match); `bot.extract.timeline` picks among them.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import date, timedelta

from bot.extract.calendar_words import alternation, months, weekdays

Found = tuple[int, re.Match[str]]

_MONTH = alternation(months())
_WEEKDAY = alternation(weekdays())
# Where in the month: "в конце января", "early March", "before March" (a deadline at its start).
_START = r"в начале|к началу|до начала|с начала|early|beginning of|start of|the beginning of|the start of"
_MIDDLE = r"в середине|к середине|mid|mid-|the middle of|middle of"
_END = r"в конце|к концу|до конца|late|end of|the end of|by the end of|before the end of"
_BEFORE = r"before|until|till|до|не позднее"
_IN = r"in|by|during|from|starting|starting in|around|of|в|во|к|на|с|со|по|после|after"
_MONTH_PHRASE = re.compile(
    rf"(?i:\b(?:(?P<start>{_START})|(?P<mid>{_MIDDLE})|(?P<end>{_END})|(?P<before>{_BEFORE})|(?:{_IN}))"
    rf"\s(?:the\s)?(?P<month>{_MONTH})(?![\w])(?!\.?\s?\d))"
)
# Deadline words only: "on Tuesday" or "во вторник" may as well be a day gone by ("the call on Tuesday").
_WEEKDAY_PHRASE = re.compile(rf"(?i:\b(?:by|before|until|till|next|до|к|ко|не позднее)\s(?P<day>{_WEEKDAY})\b)")
# "к 1-му числу", "до 15 числа", "by the 5th of the month": the next such day of a month.
DAY_OF_MONTH = re.compile(
    r"(?i:\b(?:к|до|на|с|по|by|before|until|on|from)\s(?:the\s)?(?P<d>[0-3]?\d)(?:-?(?:го|му|е|ое|ого|st|nd|rd|th))?"
    r"\s(?:числ[оау]\w{0,2}|of the month|of each month)\b)"
)
_END_OF_NEXT = re.compile(
    r"(?i:\b(?:by |until |before |до |к )?(?:the )?(?:end of next (?P<en>week|month)"
    r"|конц[аеу] следующ\w{1,3} (?P<ru>недел|месяц)\w{0,2}))"
)


def month_phrases(text: str, today: date) -> Iterator[Found]:
    """ "в феврале" (its first day), "в конце января" (its last), "before March" (its first)."""
    for match in _MONTH_PHRASE.finditer(text):
        month = months()[match.group("month").lower()]
        year = today.year + (1 if month < today.month else 0)
        last = calendar.monthrange(year, month)[1]
        if match.group("end"):
            target = date(year, month, last)
        elif match.group("mid"):
            target = date(year, month, 15)
        else:
            target = date(year, month, 1)
        yield max(0, (target - today).days), match


def weekday_phrases(text: str, today: date) -> Iterator[Found]:
    """ "до пятницы", "by Monday": the next such day, a week on when it is today."""
    for match in _WEEKDAY_PHRASE.finditer(text):
        ahead = (weekdays()[match.group("day").lower()] - today.weekday()) % 7
        yield ahead or 7, match


def day_of_month_phrases(text: str, today: date) -> Iterator[Found]:
    """ "к 1-му числу": the next time the month reaches that day."""
    for match in DAY_OF_MONTH.finditer(text):
        day = int(match.group("d"))
        if not 1 <= day <= 31:
            continue
        target = _next_day_of_month(today, day)
        yield (target - today).days, match


def end_of_next(text: str, today: date) -> Iterator[Found]:
    """ "до конца следующей недели", "by the end of next month"."""
    for match in _END_OF_NEXT.finditer(text):
        unit = (match.group("en") or match.group("ru")).lower()
        if unit.startswith(("week", "недел")):
            yield 6 - today.weekday() + 7, match
        else:
            first_of_next = date(today.year + today.month // 12, today.month % 12 + 1, 1)
            last = calendar.monthrange(first_of_next.year, first_of_next.month)[1]
            yield (first_of_next.replace(day=last) - today).days, match


def _next_day_of_month(today: date, day: int) -> date:
    current = today.replace(day=1)
    for _ in range(3):  # a 31st may skip a month or two
        if day <= calendar.monthrange(current.year, current.month)[1]:
            candidate = current.replace(day=day)
            if candidate >= today:
                return candidate
        current = (current + timedelta(days=32)).replace(day=1)
    return current
