"""Authority said indirectly: who signs, who runs the purchasing, whose approval is needed."""

from __future__ import annotations

import pytest

from bot.extract.authority import find_authority


@pytest.mark.parametrize(
    "text",
    [
        "Счёт утверждаю я, так что можно выставлять.",
        "Решение по подрядчику за мной.",
        "Договор подписываю сама.",
        "Закупками у нас ведаю я, закупки веду я лично.",
        "I sign off on all kitchen equipment myself.",
        "Purchases go through me, so send it my way.",
        "I'm the one who approves these orders.",
        "It's our family firm, no one else to convince.",
    ],
)
def test_saying_one_decides(text: str) -> None:
    assert find_authority(text).is_decision_maker is True


@pytest.mark.parametrize(
    "text",
    [
        "I'll run it past my boss and get back to you.",
        "I'd need our finance director to approve the spend.",
        "Anything above that has to go through our board.",
        "Решать будет руководство.",
        "Смету утверждает главный инженер, я только собираю цены.",
        "Согласую с начальником и вернусь.",
        "Предложение передам директору.",
        "Я не подписываю такие договоры.",
    ],
)
def test_saying_someone_else_decides(text: str) -> None:
    assert find_authority(text).is_decision_maker is False


@pytest.mark.parametrize("text", ["Could you send the price list?", "Нужна консультация по срокам."])
def test_saying_nothing_about_deciding(text: str) -> None:
    assert find_authority(text).is_decision_maker is None
