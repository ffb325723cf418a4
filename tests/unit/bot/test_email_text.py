"""Splitting an email body into the customer's new text and the quoted thread."""

from __future__ import annotations

from bot.email_text import split_reply


def test_on_wrote_header_starts_the_thread() -> None:
    body = (
        "Hello,\n\nPlease send a quote.\n\nBest regards,\nAnna Berg\nBuyer, Nordlys AS\n+47 22 33 44 55\n\n"
        "On Tue, Nov 3, 2026 at 09:12 Sales <sales@shop.example> wrote:\n> Our price is 990 USD.\n"
        "> Call us at +1 614 555 0100"
    )
    new, quoted = split_reply(body)
    assert new.startswith("Hello,")
    assert new.endswith("+47 22 33 44 55")  # the signature stays with the customer's text
    assert "614 555 0100" not in new and "990" not in new
    assert quoted.startswith("On Tue, Nov 3") and "614 555 0100" in quoted


def test_russian_header_starts_the_thread() -> None:
    body = (
        "Добрый день, нужен счёт.\n\nС уважением,\nИван Иванов\n\n"
        "24 ноября 2026 г., в 10:00, Магазин <sales@shop.example> написал(а):\n> Цена 1890 USD\n> +7 495 111-22-33"
    )
    new, quoted = split_reply(body)
    assert new == "Добрый день, нужен счёт.\n\nС уважением,\nИван Иванов"
    assert "+7 495 111-22-33" in quoted


def test_interleaved_quoted_lines_go_to_the_thread() -> None:
    new, quoted = split_reply("> How many do you need?\nTwelve.\n> And when?\nBy Friday.")
    assert new == "Twelve.\nBy Friday."
    assert quoted == "> How many do you need?\n> And when?"


def test_outlook_header_block_starts_the_thread() -> None:
    body = "Thanks, that works.\n\nFrom: Sales <sales@shop.example>\nSent: Monday\nTo: me\nSubject: Quote\n\nOld text"
    new, quoted = split_reply(body)
    assert new == "Thanks, that works."
    assert quoted.startswith("From: Sales") and "Old text" in quoted


def test_a_lone_from_line_is_the_customers_own() -> None:
    new, quoted = split_reply("From: the purchasing team\nWe need 5 printers.")
    assert new == "From: the purchasing team\nWe need 5 printers."
    assert quoted == ""


def test_plain_message_has_no_thread() -> None:
    assert split_reply("hi, just looking around") == ("hi, just looking around", "")


def test_fully_quoted_body_has_no_new_text() -> None:
    new, quoted = split_reply("On Mon, Nov 2, 2026 at 10:00 Sales <s@shop.example> wrote:\n> Old offer")
    assert new == ""
    assert "Old offer" in quoted


def test_pathological_lines_are_handled() -> None:
    # Long lines full of "On " would make the parser's header pattern quadratic; the split still works.
    body = "On x " * 800 + "\n" + "> " * 2000
    new, quoted = split_reply(body)
    assert new.startswith("On x On x")
    assert quoted.startswith(">")
