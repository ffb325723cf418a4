"""The customer's company: "we're Acme", "компания ООО Ромашка", «Зерно», "Role, Company".

Never read from the email domain: a gmail address says nothing, and a domain is not a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.extract.authority import ROLE_WORDS
from bot.extract.signature import signature
from bot.extract.text import CAP_WORD, ORG_WORD

# Russian legal forms come before the name (ООО «Ромашка»), the others after it (Acme Inc.).
PREFIX_FORMS = r"ООО|ОАО|ЗАО|ПАО|НКО|ИП|АО"
SUFFIX_FORMS = r"LLC|L\.L\.C\.|Inc\.?|Ltd\.?|GmbH|LLP|PLC|Pty Ltd"
LEGAL_FORMS = rf"{PREFIX_FORMS}|{SUFFIX_FORMS}"
ORG = rf"(?:The )?[A-ZА-ЯЁ][\w&'+-]{{0,30}}(?: {ORG_WORD}){{0,3}}"
_QUOTED = r"[«\"“„']([^«»\"“”„'\n]{1,60})[»\"”“']"
_LEGAL_PREFIX = rf"(?:(?:{PREFIX_FORMS})\s)?"
# Words after which a quoted name is the customer's business ("сеть кофеен «Зерно»").
_VENUE = (
    r"компани[яиюей]|фирм[аыуе]|организаци[яиюей]|сет[ьи]|кафе|ресторан[аеу]?|кофейн[яиюе]|кофеен"
    r"|магазин[аеу]?|бар[аеу]?|отел[ьяе]|гостиниц[аыуе]|студи[яиюей]|агентств[оау]|пекарн[яиюе]|бренд[аеу]?"
    r"|company|cafe|café|coffee shop|restaurant|shop|store|hotel|bar|studio|agency|chain|bakery|brand|firm"
)
_PATTERNS = (
    # «Зерно» after a venue word, maybe with a word between ("сети кофеен «Зерно»")
    re.compile(rf"(?i:\b(?:{_VENUE}))\s(?:[a-zа-яё-]{{1,20}}\s){{0,2}}{_LEGAL_PREFIX}{_QUOTED}"),
    # «Вкусно и точка» after "from"/"из": quotes make it a name, not a city
    re.compile(rf"(?i:\b(?:from|из|от))\s{_LEGAL_PREFIX}{_QUOTED}"),
    # a legal form with a quoted or capitalized name: ООО «Ромашка», ООО Ромашка, Acme Logistics LLC
    re.compile(rf"\b(?:{PREFIX_FORMS})\s?(?:{_QUOTED}|({ORG}))"),
    re.compile(rf"\b({ORG}),?\s(?:{SUFFIX_FORMS})(?!\w)"),
    # компания Ромашка, our company Acme, company called Acme
    re.compile(
        rf"(?i:\b(?:компани[яиюей]|фирм[аыуе]|организаци[яиюей]|company|firm)"
        rf"(?:\s(?:called|named|name is|is|под названием|называется))?)\s?:?\s{_LEGAL_PREFIX}({ORG})"
    ),
    # we're Acme Logistics, I'm with Acme, we're from Acme
    re.compile(rf"\b(?i:we're|we are|we're from|we are from|i'm with|i am with|i'm from|i am from)\s({ORG})"),
    # work at Acme, office manager at Acme Corp, representing Acme
    re.compile(
        rf"(?i:\b(?:work(?:s|ing)?|employed|here|{ROLE_WORDS})\s(?:at|for|in)"
        rf"|\brepresent(?:ing)?|\bon behalf of)\s({ORG})"
    ),
    # Jane from Acme: after a name, not after "delivery from Berlin"
    re.compile(rf"\b(?!(?i:greetings|regards|wishes|hello|delivery|shipping)\b){CAP_WORD} from\s({ORG})"),
    # CEO of Northwind Traders — top roles only: "head of Sales" names a department
    re.compile(rf"\b(?i:ceo|cto|cfo|coo|founder|co-founder|owner|co-owner|president|director) of ({ORG})"),
)
# "Purchasing, Bluefin Studio" / "Head of Sales | Acme" / "CEO at Acme" in a signature
_ROLE_LINE = re.compile(rf"^\s*(?P<role>[^,|@\n]{{2,40}}?)\s?(?:,|\||—|–| at | @ )\s?(?P<org>{ORG})[.\s]*$")
_TRAILING_LEGAL = re.compile(rf"(?:,?\s(?:{LEGAL_FORMS}))+$")
_NOT_ORG = frozenset(
    """
    i we you the a an my our this that it he she they hi hello hey dear thanks good
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december today tomorrow next
    """.split()
)


def find_company(text: str, is_product: Callable[[str], bool] = lambda _: False) -> str | None:
    """The customer's company named in the text, legal form stripped; None if not said."""
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            name = _clean(next(group for group in match.groups() if group))
            if name and not is_product(name):
                return name
    return _from_signature(text, is_product)


def signature_role(text: str) -> tuple[str, str] | None:
    """(role, company) from a "Role, Company" line of the signature, if there is one."""
    for line in signature(text)[1:]:
        match = _ROLE_LINE.match(line.text)
        if match and re.search(rf"(?i:\b(?:{ROLE_WORDS}))", match.group("role")):
            return match.group("role").strip(), match.group("org")
    return None


def _from_signature(text: str, is_product: Callable[[str], bool]) -> str | None:
    found = signature_role(text)
    if not found:
        return None
    name = _clean(found[1])
    return name if name and not is_product(name) else None


def _clean(raw: str) -> str | None:
    """Strip quotes, a legal form and punctuation; reject pronouns, dates and the like."""
    name = _TRAILING_LEGAL.sub("", raw.strip(" \t«»\"“”„'.,;:-")).strip()
    name = re.sub(rf"^(?:{LEGAL_FORMS})\s", "", name).strip()
    if not name or name.split()[0].lower() in _NOT_ORG:
        return None
    return name
