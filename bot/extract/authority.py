"""Authority: does the customer decide, and what is their role?"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.extract.lexicon import load


def _stems(key: str) -> str:
    """An alternation of the `key` list of lexicon/roles.yaml, longest first, spaces as \\s."""
    words = sorted(load("roles")[key], key=len, reverse=True)
    return "|".join(re.escape(word).replace(r"\ ", r"\s") for word in words)


# Nouns that make a phrase a job title; the alternation is reused by the company extractor.
ROLE_WORDS = _stems("titles")
_DECIDER_ROLE = re.compile(rf"\b(?:{_stems('decides')})", re.IGNORECASE)
_ADVISER_ROLE = re.compile(rf"\b(?:{_stems('advises')})", re.IGNORECASE)
_SUPERIOR = rf"(?:{_stems('superiors')})"
# "head of procurement" names a department; "owner of the cafe" or "CEO of Acme" does not.
_OF_DEPARTMENT = r"(?:head|director|manager|vice president|vp|chief)"
_AFTER_ROLE = r"(?:at|in|for|from|with|and|here|of)\b"
_ROLE = (
    rf"(?:[\w-]{{1,20}} ){{0,3}}?(?:{_OF_DEPARTMENT} of (?:the )?[\w-]{{1,20}}(?: (?!{_AFTER_ROLE})[\w-]{{1,20}})?"
    rf"|(?:{ROLE_WORDS}))"
)
_STATED_ROLE = re.compile(
    rf"(?i:\b(?:(?:i'm|i am|im|i work as|my role is|my position is|я|я работаю|моя должность|работаю)"
    rf"\s?[—–:-]?\s(?:the |an? |our )?|as (?:the |an? |our )?))(?P<role>{_ROLE})\b",
    re.IGNORECASE,
)
# Saying one decides, directly or not: "I sign off on this myself", "the order goes through me",
# "решение по поставщику согласую я", "закупки у нас веду я", "подписываю сам".
_DECIDES = re.compile(
    r"(?i:\bi (?:decide|make (?:the |all the |final )?decisions?|sign off|sign the|approve|have the final say"
    r"|hold the budget|do (?:all )?the (?:ordering|buying|purchasing))\b"
    r"|\b(?:i'm|i am) (?:the |a )?(?:final )?decision[- ]maker|\b(?:i'm|i am) the one who (?:decides|signs|approves)"
    r"|\b(?:decision|call) is mine|\bit's my (?:call|decision)|\bno one else to (?:convince|ask)"
    r"|\b(?:goes|go|runs) through me\b|\bbudget holder"
    r"|\bрешени\w{0,3}(?:\s[\w-]{1,20}){0,3}\sза\sмной|\bпоследнее слово за мной"
    r"|\b(?:решаю|согласую|утверждаю|подписываю|подпишу|одобряю|визирую)(?!\s(?:с|со|у)\s)\b"
    r"|\bпринимаю решени|\bрешение принимаю\b|\bбез согласовани|\bсогласовывать не с кем"
    r"|\bзакуп\w{0,5}(?:\s[\w-]{1,20}){0,2}\sвед[уёе]\w{0,2}\sя\b|\bя\sвед[уе]\sзакуп)"
)
# Saying someone else decides: "I'll run it past my boss", "I'd need my director to approve it",
# "it will have to go through our management board", "решать будет руководство", "утверждает главврач".
_NEEDS_APPROVAL = re.compile(
    rf"(?i:\b(?:need|have|has|got) to (?:ask|check with|consult|run it (?:by|past)|get approval|go through)"
    rf"|\brun (?:it|this|that) (?:by|past)|\bneed (?:approval|sign-?off)|\bnot the decision[- ]maker"
    rf"|\bi (?:don't|do not) decide|\b(?:go|goes) through (?:my|our|the) |\bsubject to (?:\w+ )?approval"
    rf"|\bneed (?:my|our|the) (?:\w+ )?{_SUPERIOR}\w{{0,3}} to (?:approve|sign|agree|ok)"
    rf"|\b{_SUPERIOR}\w{{0,3}} (?:who )?(?:decides|will decide|makes the (?:final )?decision|has the final say"
    rf"|approves|(?:has|needs|will need|will have) to (?:approve|sign|agree))"
    rf"|\b(?:решает|решит|утверждает|утвердит|подпишет|согласует|одобрит|подписывает)\s(?:\w+\s)?{_SUPERIOR}"
    rf"|\bрешать будет|\bрешение (?:будет )?приним(?:ает|ать)|\bне (?:я )?(?:решаю|подписываю|утверждаю)"
    rf"|\b(?:нужно|надо) согласовать"
    rf"|\bсогласую (?:с|со|у)\s|\bпередам\s{_SUPERIOR}|\bдля\s{_SUPERIOR}"
    rf"|\b(?:нужно|надо) (?:спросить|посоветоваться|уточнить у))"
)


@dataclass(frozen=True, slots=True)
class Authority:
    """What the message says about who decides."""

    is_decision_maker: bool | None
    role: str | None


def find_authority(text: str, signature_role: str | None = None) -> Authority:
    """Who decides. Needing approval beats a title; saying "I decide" beats a title that doesn't.

    A decider title ("я директор", "I'm the owner") counts as deciding; an adviser title
    ("Purchasing", "assistant") as not; any other title is recorded without a verdict.
    """
    role = _stated_role(text) or signature_role
    if _NEEDS_APPROVAL.search(text):
        return Authority(False, role)
    if _DECIDES.search(text):
        return Authority(True, role)
    return Authority(_verdict(role), role)


def _stated_role(text: str) -> str | None:
    match = _STATED_ROLE.search(text)
    return match.group("role").strip().lower() if match else None


def _verdict(role: str | None) -> bool | None:
    if role is None:
        return None
    if _ADVISER_ROLE.search(role):
        return False
    return True if _DECIDER_ROLE.search(role) else None
