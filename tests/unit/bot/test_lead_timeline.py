"""Timelines said by the calendar: bare months in any case, parts of a month, weekdays, days of
the month; a time from now wins over a month named beside it."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.extract.timeline import find_timeline

# A Wednesday in mid-October.
TODAY = datetime(2027, 10, 13, 10, 0)


@pytest.mark.parametrize(
    ("text", "days", "phrase"),
    [
        ("Открытие планируем в декабре.", 49, "в декабре"),  # prepositional case: its first day
        ("Поставка нужна к январю", 80, "к январю"),  # dative
        ("Hoping to have it all before December", 49, "before December"),  # a deadline at its start
        ("The launch is in January", 80, "in January"),
        ("сдать нужно в конце ноября", 48, "в конце ноября"),  # its last day
        ("ideally by the end of November", 48, "by the end of November"),
        ("в середине декабря", 63, "в середине декабря"),
        ("в ноябре, это примерно через месяц", 30, "через месяц"),  # from now wins over the month
        ("до пятницы", 2, "до пятницы"),
        ("need it by Monday", 5, "by Monday"),
        ("привезите к 1-му числу", 19, "к 1-му числу"),
        ("до 20 числа", 7, "до 20 числа"),
        ("до конца следующей недели", 11, "до конца следующей недели"),
        ("by the end of next month", 48, "by the end of next month"),
        ("We open in January, so everything must arrive before the end of December", 79, "before the end of December"),
        ("в октябре", 0, "в октябре"),  # this month: due now
    ],
)
def test_calendar_timelines(text: str, days: int, phrase: str) -> None:
    found = find_timeline(text, TODAY)
    assert found is not None
    assert (found.days, found.text) == (days, phrase)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for the call on Tuesday.",  # a day gone by, not a deadline
        "We may need a second unit.",  # "may" the verb
        "march the boxes upstairs",
        "среди прочего нужна доставка",
    ],
)
def test_no_calendar_timeline(text: str) -> None:
    assert find_timeline(text, TODAY) is None
