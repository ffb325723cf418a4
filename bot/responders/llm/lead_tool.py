"""The `record_lead` tool: what the model understood about the buyer, validated before it counts.

A model writes what it believes it read; the lead is what the sales team will call. So every
field is checked the way a person would: a phone must be a real number (`phonenumbers`), an
email a well-formed address (`email-validator`), a product a SKU of the catalog, a count a
positive whole number. What fails is reported back to the model and never reaches the lead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.lead import LeadUpdate
from bot.ports import Catalog

MAX_COUNT = 10_000_000  # past this a "quantity" is a typo or a phone number
MAX_TEXT = 200

LEAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "The customer's full name as they wrote it."},
        "email": {"type": "string"},
        "phone": {"type": "string", "description": "As written; with the country code if given."},
        "company": {"type": "string"},
        "skus": {"type": "array", "items": {"type": "string"}, "description": "Catalog SKUs they want."},
        "quantity": {"type": "integer", "minimum": 1},
        "budget": {"type": "number", "exclusiveMinimum": 0},
        "budget_currency": {"type": "string", "description": "ISO 4217 code, e.g. USD."},
        "timeline_days": {"type": "integer", "minimum": 1, "description": "Days until they need it."},
        "timeline_text": {"type": "string", "description": "Their words for when, e.g. 'before March'."},
        "decision_role": {"type": "string", "description": "Their role, e.g. 'head of purchasing'."},
        "is_decision_maker": {"type": "boolean"},
        "team_size": {"type": "integer", "minimum": 1},
        "accepts_quote": {"type": "boolean"},
    },
    "additionalProperties": False,
}


@dataclass(frozen=True, slots=True)
class LeadCheck:
    """The validated update and, per rejected field, why."""

    update: LeadUpdate
    rejected: Mapping[str, str] = field(default_factory=dict)


def check_lead(args: Mapping[str, Any], catalog: Catalog, regions: Sequence[str]) -> LeadCheck:
    """Validate what the model wrote; unknown fields are rejected, never guessed at."""
    update, rejected = LeadUpdate(), {}
    for name, raw in args.items():
        checker = _CHECKS.get(name)
        if checker is None:
            rejected[name] = "not a lead field"
            continue
        try:
            value = checker(raw, catalog, regions)
        except ValueError as exc:
            rejected[name] = str(exc)
            continue
        update = replace(update, **{name: value})
    return LeadCheck(update, rejected)


def _phone(raw: Any, catalog: Catalog, regions: Sequence[str]) -> str:
    text = _text(raw)
    for region in (*regions, None):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    raise ValueError("not a valid phone number")


def _email(raw: Any, catalog: Catalog, regions: Sequence[str]) -> str:
    try:
        return str(validate_email(_text(raw), check_deliverability=False).normalized).lower()
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address ({exc})") from None


def _skus(raw: Any, catalog: Catalog, regions: Sequence[str]) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError("a non-empty list of catalog SKUs")
    unknown = [str(s) for s in raw if catalog.get(str(s).strip()) is None]
    if unknown:
        raise ValueError(f"not in the catalog: {', '.join(unknown)}; use lookup_product to find its SKU")
    return tuple(dict.fromkeys(str(s).strip() for s in raw))


def _count(raw: Any, catalog: Catalog | None = None, regions: Sequence[str] = ()) -> int:
    if isinstance(raw, bool):
        raise ValueError("a positive whole number")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if not isinstance(raw, int) or not 0 < raw <= MAX_COUNT:
        raise ValueError("a positive whole number")
    return raw


def _budget(raw: Any, catalog: Catalog, regions: Sequence[str]) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError("a positive amount")
    try:
        amount = Decimal(str(raw).replace(" ", ""))
    except InvalidOperation:
        raise ValueError("a positive amount") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError("a positive amount")
    return amount


def _currency(raw: Any, catalog: Catalog, regions: Sequence[str]) -> str:
    code = _text(raw).upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError("an ISO 4217 code such as USD")
    return code


def _flag(raw: Any, catalog: Catalog, regions: Sequence[str]) -> bool:
    if not isinstance(raw, bool):
        raise ValueError("true or false")
    return raw


def _plain(raw: Any, catalog: Catalog, regions: Sequence[str]) -> str:
    return _text(raw)


def _text(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("a non-empty text")
    text = " ".join(raw.split())
    if len(text) > MAX_TEXT:
        raise ValueError(f"longer than {MAX_TEXT} characters")
    return text


_CHECKS: dict[str, Callable[[Any, Catalog, Sequence[str]], Any]] = {
    "name": _plain, "company": _plain, "timeline_text": _plain, "decision_role": _plain,
    "email": _email, "phone": _phone, "skus": _skus, "quantity": _count, "timeline_days": _count,
    "team_size": _count, "budget": _budget, "budget_currency": _currency,
    "is_decision_maker": _flag, "accepts_quote": _flag,
}
