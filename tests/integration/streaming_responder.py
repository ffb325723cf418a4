"""A responder that streams, for the end-to-end test of drafts in `salesbot serve`.

It is the offline responder whose finished reply is then written out word by word,
as an LLM streams tokens; loaded by `serve` through the `responder` setting.
"""

from __future__ import annotations

import asyncio

from bot.ports import Responder
from bot.responders.offline import OfflineResponder
from bot.responders.tools import SalesTools
from bot.turn import Reply, TurnContext

# Slow enough that even a one-line reply stays a draft for a couple of seconds: the browser test
# must see it growing before the stored line replaces it.
WORD_PAUSE_S = 0.3


class WordByWord:
    def __init__(self, inner: Responder) -> None:
        self.inner = inner

    async def respond(self, turn: TurnContext) -> Reply:
        reply = await self.inner.respond(turn)
        words = reply.text.split(" ")
        for end in range(1, len(words) + 1):
            await turn.draft(" ".join(words[:end]))
            await asyncio.sleep(WORD_PAUSE_S)
        return reply


def word_by_word(tools: SalesTools) -> Responder:
    return WordByWord(OfflineResponder(tools))
