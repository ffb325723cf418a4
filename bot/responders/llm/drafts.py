"""Drafts that never show what the final reply would not be allowed to say.

A streamed draft reaches the customer before the reply is checked, so each draft is checked
as it grows: from the first one that breaks a rule, this turn shows no more drafts, and the
checked reply (or the offline answer) replaces what was shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.turn import DraftSink


class GuardedDraft:
    """A `TextSink` for the model's stream that forwards only drafts passing `check`."""

    def __init__(self, sink: DraftSink, check: Callable[[str], Sequence[object]]) -> None:
        self.sink = sink
        self.check = check
        self.stopped = False

    async def __call__(self, text: str) -> None:
        if self.stopped:
            return
        # The last word may still be growing ("1" of "1 250"): judge only whole words.
        whole = text if text.endswith((" ", "\n")) else text[: max(text.rfind(" "), text.rfind("\n"), 0)]
        if not whole.strip():
            return
        if self.check(whole):
            self.stopped = True
            return
        await self.sink(whole)
