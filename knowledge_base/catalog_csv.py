"""Reading `catalog.csv` and `discounts.csv` from a knowledge-base folder.

A malformed row is skipped and reported as a `CsvRowError` naming the file and line; the other
rows still load, so one typo in a price list never takes the whole catalog offline.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bot.catalog import Discount, Product

CATALOG_FILE = "catalog.csv"
DISCOUNTS_FILE = "discounts.csv"

CATALOG_COLUMNS = ("sku", "name", "category", "price", "currency", "unit", "stock", "lead_time_days")
CATALOG_OPTIONAL = ("description", "related", "upgrade")
DISCOUNT_COLUMNS = ("applies_to", "min_qty", "percent")

_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")
_WHOLE = re.compile(r"[-+]?\d+")


class CatalogError(Exception):
    """The catalog or its discount table is unusable or was asked something impossible."""


class CsvRowError(CatalogError):
    """One rejected row (or header) of a CSV file: `file`, 1-based `line` and the `reason`."""

    def __init__(self, file: str, line: int, reason: str) -> None:
        super().__init__(f"{file} line {line}: {reason}")
        self.file = file
        self.line = line
        self.reason = reason


@dataclass(slots=True)
class CatalogRows:
    """What the two files held: valid products and discounts, and the rows that were rejected."""

    products: list[Product] = field(default_factory=list)
    discounts: list[Discount] = field(default_factory=list)
    errors: list[CsvRowError] = field(default_factory=list)


class _RowProblem(ValueError):
    """Raised by the field parsers; becomes a `CsvRowError` once the line is known."""


def read_knowledge_base(kb_dir: Path) -> CatalogRows:
    """Products from `catalog.csv` and discounts from `discounts.csv`; a missing file reads as empty."""
    rows = CatalogRows()
    seen: set[str] = set()
    for line, row in _rows(kb_dir / CATALOG_FILE, CATALOG_COLUMNS, rows.errors):
        try:
            product = parse_product(row)
            if product.sku.casefold() in seen:
                raise _RowProblem(f"duplicate sku '{product.sku}'")
        except _RowProblem as problem:
            rows.errors.append(CsvRowError(CATALOG_FILE, line, str(problem)))
            continue
        seen.add(product.sku.casefold())
        rows.products.append(product)
    targets = {"*"} | seen | {p.category.casefold() for p in rows.products}
    for line, row in _rows(kb_dir / DISCOUNTS_FILE, DISCOUNT_COLUMNS, rows.errors):
        try:
            discount = parse_discount(row)
            if discount.applies_to.casefold() not in targets:
                # Not malformed, but it can never apply: most likely a typo worth telling about.
                raise _RowProblem(f"applies_to '{discount.applies_to}' is neither a SKU, a category nor '*'")
        except _RowProblem as problem:
            rows.errors.append(CsvRowError(DISCOUNTS_FILE, line, str(problem)))
            continue
        rows.discounts.append(discount)
    return rows


def _rows(
    path: Path, required: tuple[str, ...], errors: list[CsvRowError]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for each data row; rows with missing or extra fields are reported here."""
    if not path.is_file():
        return
    # utf-8-sig: spreadsheets often save a byte-order mark that would otherwise stick to "sku".
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in required if c not in header]
        if missing:
            errors.append(CsvRowError(path.name, 1, f"header lacks column(s) {', '.join(missing)}"))
            return
        last_line = reader.line_num
        for fields in reader:
            # line_num counts physical lines, so a quoted multi-line field still reports where its row starts.
            line, last_line = last_line + 1, reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                problem = _width_problem(header, fields)
                errors.append(CsvRowError(path.name, line, problem))
                continue
            yield line, {h: f.strip() for h, f in zip(header, fields, strict=True)}


def _width_problem(header: list[str], fields: list[str]) -> str:
    if len(fields) < len(header):
        return f"missing column '{header[len(fields)]}' ({len(fields)} of {len(header)} fields)"
    return f"{len(fields)} fields, expected {len(header)} (an unquoted comma?)"


def parse_product(row: dict[str, str]) -> Product:
    """One catalog row as a `Product`; raises `_RowProblem` naming the bad field."""
    sku = _required(row, "sku")
    related = tuple(s.strip() for s in row.get("related", "").split(";") if s.strip())
    return Product(
        sku=sku,
        name=_required(row, "name"),
        category=_required(row, "category"),
        price=_money(row, "price"),
        currency=_currency(row),
        unit=row.get("unit", "") or "pcs",
        stock=_whole(row, "stock"),
        lead_time_days=_whole(row, "lead_time_days"),
        description=row.get("description", ""),
        related=related,
        upgrade=row.get("upgrade", "") or None,
    )


def parse_discount(row: dict[str, str]) -> Discount:
    """One discount row as a `Discount`; the percent must lie in (0, 100]."""
    applies_to = _required(row, "applies_to")
    percent = _decimal(row, "percent")
    if not Decimal(0) < percent <= Decimal(100):
        raise _RowProblem(f"percent '{row['percent']}' is not between 0 and 100")
    return Discount(applies_to=applies_to, min_qty=_whole(row, "min_qty"), percent=percent)


def _required(row: dict[str, str], column: str) -> str:
    value = row.get(column, "")
    if not value:
        raise _RowProblem(f"{column} is empty")
    return value


def _decimal(row: dict[str, str], column: str) -> Decimal:
    raw = row.get(column, "")
    # Stricter than Decimal() itself, which also takes "NaN", "1e3" and "1_000".
    if not _NUMBER.fullmatch(raw):
        raise _RowProblem(f"{column} '{raw}' is not a number")
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise _RowProblem(f"{column} '{raw}' is not a number") from None


def _money(row: dict[str, str], column: str) -> Decimal:
    value = _decimal(row, column)
    if value < 0:
        raise _RowProblem(f"{column} '{row[column]}' is negative")
    return value


def _whole(row: dict[str, str], column: str) -> int:
    raw = row.get(column, "")
    if not _WHOLE.fullmatch(raw):
        raise _RowProblem(f"{column} '{raw}' is not a whole number")
    value = int(raw)
    if value < 0:
        raise _RowProblem(f"{column} '{raw}' is negative")
    return value


def _currency(row: dict[str, str]) -> str:
    raw = _required(row, "currency")
    if len(raw) != 3 or not raw.isascii() or not raw.isalpha():
        raise _RowProblem(f"currency '{raw}' is not a three-letter code")
    return raw.upper()
