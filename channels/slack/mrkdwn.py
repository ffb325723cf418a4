"""Slack's text format both ways: what customers wrote shown literally, what reps wrote made plain.

Slack reads `&`, `<` and `>` as markup (links, mentions, `<!channel>` pings), so anything a
customer wrote is escaped before it reaches a message; a rep's message arrives with the same
escapes and with links as `<url|label>`, which the customer should see as plain text.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def escape(text: str) -> str:
    """`text` shown as written, never as a link, mention or ping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """At most `limit` characters (Block Kit refuses longer texts), marked when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str) -> str:
    """A rep's Slack message as the customer should read it: links as their text (and address
    when it differs), mentions and the three escapes undone."""

    def link(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith(("@", "#", "!")):  # a mention or a channel: its label, if any
            return label or ""
        target = target.removeprefix("mailto:")
        return target if not label or label == target else f"{label} ({target})"

    unlinked = _LINK.sub(link, text)
    return unlinked.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
