"""Authority: does the customer decide, and what is their role?"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Nouns that make a phrase a job title; the alternation is reused by the company extractor.
ROLE_WORDS = (
    r"owner|co-?owner|ceo|cto|cfo|coo|cio|founder|co-?founder|director|president|vice president|vp"
    r"|head|chief|partner|proprietor|manager|buyer|purchaser|purchasing|procurement|assistant"
    r"|secretary|administrator|admin|officer|accountant|coordinator|executive|specialist"
    r"|engineer|chef|barista|supervisor|controller|consultant|intern|employee"
    r"|директор|владелец|владелица|собственник|основатель|учредитель|руководитель|начальник"
    r"|управляющ(?:ий|ая)|менеджер|офис-менеджер|закупщик|снабженец|бухгалтер|администратор"
    r"|секретарь|помощник|ассистент|заведующ(?:ий|ая)|шеф|специалист|сотрудник|партн[её]р"
)
_DECIDER_ROLE = re.compile(
    r"\b(?:owner|co-?owner|ceo|founder|co-?founder|president|proprietor|managing director|director"
    r"|head|chief|general manager|partner|директор|владел|собственник|основател|учредител|руководител"
    r"|управляющ)",
    re.IGNORECASE,
)
_ADVISER_ROLE = re.compile(
    r"\b(?:purchasing|procurement|buyer|purchaser|assistant|secretary|intern|employee|закуп|снабжен"
    r"|секретарь|помощник|ассистент|сотрудник)",
    re.IGNORECASE,
)
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
_DECIDES = re.compile(
    r"(?i:\bi (?:decide|make (?:the |all the |final )?decisions?|sign off|approve|have the final say)\b"
    r"|\b(?:i'm|i am) (?:the |a )?(?:final )?decision[- ]maker"
    r"|\b(?:decision|call) is mine|\bit's my (?:call|decision)"
    r"|\bрешение за мной|\bя (?:сам[а]? )?(?:решаю|принимаю решени)|\bрешаю я\b|\bпоследнее слово за мной"
    r"|\bрешение принимаю я)"
)
_NEEDS_APPROVAL = re.compile(
    r"(?i:\b(?:need|have|has|got) to (?:ask|check with|consult|run it by|get approval)"
    r"|\bneed (?:approval|sign-?off)|\bnot the decision[- ]maker|\bi don't decide|\bi do not decide"
    r"|\b(?:boss|manager|director|ceo|cfo|coo|owner|management|board|partner)s? (?:who )?"
    r"(?:decides|will decide|makes the (?:final )?decision|has the final say|approves)"
    r"|\bрешает (?:директор|руководител|начальни|владел|собственник|руководство|босс|шеф)"
    r"|\bрешение принимает\b|\bне я решаю|\bнужно согласовать|\bнадо согласовать|\bсогласую с"
    r"|\b(?:нужно|надо) (?:спросить|посоветоваться|уточнить у))"
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
