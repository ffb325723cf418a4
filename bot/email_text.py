"""Split an email body into the customer's new text, their signature and the quoted thread.

Only the new text and the signature may feed the lead: the quoted thread holds
our own earlier replies, with our phone numbers and prices. Only the new text
is the request: a reply must not answer the phone number or company in a
signature.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

from bot.extract.signature import signature_start

# mail-parser-reply 1.36 knows no Russian; "ru" is kept in case a later release adds it.
_PARSER = EmailReplyParser(languages=["en", "ru"])

# Headers that open a quoted thread when the parser misses them (Russian clients, odd wrappers).
_HEADER = re.compile(
    r"^\s*+(?:>\s?)*+(?:"
    r"On\b.{1,200}\bwrote:"
    r"|.{1,200}\bнаписал(?:\(а\)|а)?\s?:"
    r"|-{2,10}\s?(?:Original Message|Forwarded message|Исходное сообщение|Пересылаемое сообщение)\s?-{2,10}"
    r")\s*$",
    flags=re.IGNORECASE,
)
# An Outlook-style block: "From:" followed by another header line on the next line.
_FROM = re.compile(r"^\s*\**(?:From|От)\s?:", flags=re.IGNORECASE)
_NEXT_HEADER = re.compile(
    r"^\s*\**(?:Sent|To|Date|Subject|Cc|Отправлено|Кому|Дата|Тема|Копия)\s?:", flags=re.IGNORECASE
)
_QUOTED_LINE = re.compile(r"^\s*>")
# The parser only splits at reply headers, so it runs only when one may be present. Its header
# pattern is quadratic in the length of a line, hence the line limit: header lines are short.
_MAYBE_HEADER = re.compile(r"wrote\s?:|^\W{0,3}(?:From|Sent|Date)\s?:|-{5}|написал", re.IGNORECASE | re.MULTILINE)
_PARSER_MAX_LINE = 600
# What may follow a closing in a signature block: a few short lines, none of them a question.
# Anything else after "Thanks," is still the message ("Thanks,\nalso, do you deliver?").
_SIGNATURE_MAX_LINES = 6
_SIGNATURE_MAX_LINE = 80


def split_reply(text: str) -> tuple[str, str]:
    """Return (the customer's new text including their signature, the quoted thread)."""
    new, quoted = _split_with_parser(text) if _parser_applies(text) else (text, "")
    new, more_quoted = _split_fallback(new)
    thread = "\n".join(part for part in (more_quoted, quoted) if part)
    return new.strip(), thread.strip()


def split_signature(text: str) -> tuple[str, str]:
    """Return (the new text without its signature, the signature block from its closing on).

    Only a block that looks like one is taken; otherwise, or when nothing would be left of the
    message, the text comes back whole with an empty signature.
    """
    start = signature_start(text)
    if start is None:
        return text, ""
    body, block = text[:start].rstrip(), text[start:].strip()
    lines = [line.strip() for line in block.splitlines()[1:] if line.strip()]
    looks_signed = len(lines) <= _SIGNATURE_MAX_LINES and all(
        len(line) <= _SIGNATURE_MAX_LINE and not line.endswith("?") for line in lines
    )
    if not body or not looks_signed:
        return text, ""
    return body, block


def _parser_applies(text: str) -> bool:
    """Worth running the parser: a header may be present and no line is pathologically long."""
    if not _MAYBE_HEADER.search(text):
        return False
    return max((len(line) for line in text.splitlines()), default=0) <= _PARSER_MAX_LINE


def _split_with_parser(text: str) -> tuple[str, str]:
    """The maintained parser's split: its first fragment without a header is the new text."""
    try:
        replies = _PARSER.read(text).replies
    except (re.error, RecursionError):  # a parser bug must not lose the customer's message
        return text, ""
    if not replies:
        return text, ""
    first = replies[0]
    if first.headers:  # the whole body is a quoted thread
        return "", "\n\n".join(r.content for r in replies)
    return first.content, "\n\n".join(r.content for r in replies[1:])


def _split_fallback(text: str) -> tuple[str, str]:
    """Cut at the first reply header and move any remaining "> " lines to the thread."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if _HEADER.match(line) or _opens_header_block(lines, index):
            return _drop_quoted("\n".join(lines[:index]))[0], "\n".join(lines[index:])
    return _drop_quoted(text)


def _opens_header_block(lines: list[str], index: int) -> bool:
    """A lone "From:" line is the customer's; with "Sent:"/"To:" below it, a forwarded header."""
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return bool(_FROM.match(lines[index]) and _NEXT_HEADER.match(following))


def _drop_quoted(text: str) -> tuple[str, str]:
    """Separate lines quoted with ">" (interleaved quoting) from the customer's own."""
    own: list[str] = []
    quoted: list[str] = []
    for line in text.splitlines():
        (quoted if _QUOTED_LINE.match(line) else own).append(line)
    return "\n".join(own), "\n".join(quoted)
