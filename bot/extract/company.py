"""The customer's company: a legal form with its name (ТОО «Василёк», Nordlys Oy), "we're Acme",
"I manage facilities for Acme", an organisation Natasha finds in quotes, a "Role, Company" line.

Never read from the email domain: a gmail address says nothing, and a domain is not a name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import regex

from bot.extract.authority import ROLE_WORDS
from bot.extract.legal_forms import after_forms, any_form, before_forms
from bot.extract.russian_ner import of_kind
from bot.extract.signature import signature
from bot.extract.text import CAP_WORD

# A word of a company name: capitalized, all capitals or starting with a digit ("3M", "IBM"),
# "&", or a capitalized word in brackets ("Medilab Frankfurt (Oder)").
ORG_WORD = r"(?:[\p{Lu}\d][\p{L}\d&'+-]{0,30}|&|\(\p{Lu}\p{L}{0,30}\))"
ORG = rf"(?:The )?{ORG_WORD}(?: {ORG_WORD}){{0,3}}"
# After a form written first, the name may go on in small letters ("UAB Kauno laboratorija").
_STOP = r"(?:in|from|at|and|with|for|to|is|are|we|our|и|в|из|на|с|по|для|от|мы|наш\w{0,3})"
_NAME_AFTER_FORM = rf"{ORG_WORD}(?: (?!{_STOP}\b)[\p{{L}}\d&'-]{{1,30}}){{0,3}}"
_OPENING_QUOTES = "«\"“„"
_QUOTED = r"[«\"“„]([^«»\"“”„\n]{1,60})[»\"”“]"
_FORM_BEFORE = rf"(?<![\w.])(?:{before_forms()})"
_FORM_AFTER = rf"(?:{after_forms()})(?![\w])"
_CUE_BEFORE_QUOTES = r"(?i:\b(?:from|из|от|компани[яиюей]|фирм[аыуе]|организаци[яиюей]|сет[ьи]|company|firm|chain))"
_PATTERNS = [
    regex.compile(p)
    for p in (
        # a legal form with its name: ТОО «Василёк», ООО Василёк, UAB Kauno laboratorija
        rf"{_FORM_BEFORE}\s?{_QUOTED}",
        rf"{_FORM_BEFORE}\s({_NAME_AFTER_FORM})",
        rf"{_QUOTED},?\s(?:{after_forms()})(?![\w])",
        rf"(?<![\p{{L}}\d])({ORG}),?\s{_FORM_AFTER}",
        # «Вкусно и точка» after "from"/"из" or a word for a business: quotes make it a name
        rf"{_CUE_BEFORE_QUOTES}\s(?:[\p{{Ll}}-]{{1,20}}\s){{0,2}}{_QUOTED}",
        # компания Василёк, our company Acme, company called Acme
        r"(?i:\b(?:компани[яиюей]|фирм[аыуе]|организаци[яиюей]|company|firm)"
        rf"(?:\s(?:called|named|name is|is|под названием|называется))?)\s?:?\s({ORG})",
        # we're Harbor Freight, I'm with Acme, we're from Acme
        rf"\b(?i:we're|we are|we're from|we are from|i'm with|i am with|i'm from|i am from)\s({ORG})",
        # work at Acme, office manager at Acme Corp, representing Acme
        rf"(?i:\b(?:work(?:s|ing)?|employed|here|{ROLE_WORDS})\s(?:at|for|in)"
        rf"|\brepresent(?:ing)?|\bon behalf of)\s({ORG})",
        # I manage facilities for Acme, I do the purchasing at Acme, I own Acme, we run Acme
        r"\b(?i:i|we)\s(?i:manage|run|own|head|lead|oversee|coordinate|handle|do|look after|buy|order|purchase)"
        rf"(?:\s[\p{{Ll}}-]{{1,20}}){{0,3}}?\s(?i:for|at)\s({ORG})",
        rf"\b(?i:i|we)\s(?i:own|run|manage)\s({ORG})",
        # Jane from Acme: after a name, not after "delivery from Berlin"
        rf"\b(?!(?i:greetings|regards|wishes|hello|delivery|shipping)\b){CAP_WORD} from\s({ORG})",
        # CEO of Northwind Traders: top roles only, "head of Sales" names a department
        rf"\b(?i:ceo|cto|cfo|coo|founder|co-founder|owner|co-owner|president|director) of ({ORG})",
    )
]
# "Purchasing, Northgate Studio" / "Head of Sales | Acme" / "CEO at Acme" in a signature
_ROLE_LINE = regex.compile(rf"^\s*(?P<role>[^,|@\n]{{2,40}}?)\s?(?:,|\||—|–| at | @ )\s?(?P<org>{ORG})[.\s]*$")
_EDGE_FORM = regex.compile(rf"^(?:{any_form()})\s+|(?:,?\s+(?:{any_form()}))+$")
_NOT_ORG = frozenset(
    """
    i we you a an my our this that it he she they hi hello hey dear thanks good
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december today tomorrow next
    """.split()
)


def find_company(text: str, is_product: Callable[[str], bool] = lambda _: False) -> str | None:
    """The customer's company named in the text, legal form stripped; None if not said."""
    for raw in (*_stated(text), *_quoted_organisations(text), *_from_signature(text)):
        name = _clean(raw)
        if name and not is_product(name):
            return name
    return None


def _stated(text: str) -> Iterator[str]:
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            yield next(group for group in match.groups() if group)


def _quoted_organisations(text: str) -> Iterator[str]:
    """Organisations Natasha finds in a Russian text, when written in quotes as names are."""
    for entity in of_kind(text, "ORG"):
        before = text[max(0, entity.start - 1) : entity.start]
        if (before and before in _OPENING_QUOTES) or any(q in entity.text for q in _OPENING_QUOTES):
            yield entity.text


def signature_role(text: str) -> tuple[str, str] | None:
    """(role, company) from a "Role, Company" line of the signature, if there is one."""
    for line in signature(text)[1:]:
        match = _ROLE_LINE.match(line.text)
        if match and regex.search(rf"(?i:\b(?:{ROLE_WORDS}))", match.group("role")):
            return match.group("role").strip(), match.group("org")
    return None


def _from_signature(text: str) -> list[str]:
    found = signature_role(text)
    return [found[1]] if found else []


def _clean(raw: str) -> str | None:
    """Strip quotes, a legal form and punctuation; reject pronouns, dates and the like."""
    name = raw.strip(" \t«»\"“”„'.,;:-")
    name = _EDGE_FORM.sub("", name).strip(" \t«»\"“”„'.,;:-")
    words = name.split()
    if not words or words[0].lower() in _NOT_ORG:
        return None
    if words[0] == "The" and (len(words) == 1 or not words[1][0].isupper()):
        return None
    return name
