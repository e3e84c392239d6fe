"""Parsing of the Commission's monthly accounting rates (InforEuro) as CSV: all rows or none.

See `POST /v1/exchange-rates/import` for the accepted columns. Pure functions; unit-tested.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation

from services.budget.errors import InvalidRatesFile
from services.budget.models import RATE_LIMIT, RATE_SCALE
from shared.money import to_decimal
from shared.problems import FieldError

CODE_COLUMNS = {
    "iso code",
    "iso a3 code",
    "isoa3code",
    "iso 4217",
    "iso",
    "code",
    "currency code",
    "iso currency code",
    "iso_code",
    "currency_code",
}
RATE_COLUMNS = {
    "rate",
    "rate per eur",
    "rate per euro",
    "euro rate",
    "value",
    "amount",
    "units per eur",
    "exchange rate",
    "accounting rate",
    "units_per_eur",
}
MONTH_COLUMNS = {"month", "period", "start date", "date", "startdate", "start_date"}
CURRENCY_NAME = "currency"
MAX_ROWS = 1000
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_QUANTUM = Decimal(1).scaleb(-RATE_SCALE)


def _norm(name: str) -> str:
    return " ".join(name.strip().strip('"').lower().replace("\ufeff", "").split())


def _bad(line: int, message: str, field: str | None = None) -> InvalidRatesFile:
    where = f"line {line}"
    return InvalidRatesFile(
        f"{where}: {message}; nothing was imported",
        errors=[FieldError(field=field or f"body.line {line}", message=message)],
        line=line,
    )


def parse_decimal(text: str) -> Decimal:
    """`11,6145`, `11.6145`, `1 234,56`, `1.234,56`, `1,234.56` -> Decimal; the last separator is the decimal one."""
    raw = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if "," in raw and "." in raw:
        if raw.rfind(",") > raw.rfind("."):
            raw = raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", "")
    elif "," in raw:
        if raw.count(",") > 1:
            raise InvalidOperation(text)
        raw = raw.replace(",", ".")
    # Then the one strict grammar of every decimal (ASCII digits, no exponent, bounded magnitude).
    return to_decimal(raw)


def parse_month(text: str) -> str:
    """yyyy-mm from `yyyy-mm`, `yyyy-mm-dd`, `dd/mm/yyyy`, `dd.mm.yyyy`, `mm/yyyy`, `mm.yyyy`, `yyyymm`."""
    t = text.strip()
    m = re.match(r"^(\d{4})-(\d{1,2})(?:-\d{1,2})?(?:[T ].*)?$", t)
    if m:
        year, month = m.group(1), m.group(2)
    else:
        m = re.match(r"^(?:\d{1,2}[./-])?(\d{1,2})[./-](\d{4})$", t)
        if m:
            year, month = m.group(2), m.group(1)
        else:
            m = re.match(r"^(\d{4})(\d{2})$", t)
            if not m:
                raise ValueError(t)
            year, month = m.group(1), m.group(2)
    out = f"{year}-{int(month):02d}"
    if not _MONTH_RE.match(out):
        raise ValueError(t)
    return out


def _dialect(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: first.count(d) for d in (";", "\t", ",")}
    # A decimal comma file is almost always ';'-separated; prefer ';' and tab when present.
    for d in (";", "\t"):
        if counts[d]:
            return d
    return ","


def decode(content: bytes) -> str:
    """The file's text: UTF-8, with or without a BOM; anything else is refused (422), not guessed."""
    try:
        return content.decode("utf-8-sig", errors="strict")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise _bad(line, "the file is not UTF-8 text") from None


def parse(text: str, month: str | None) -> list[tuple[str, str, Decimal]]:
    """[(currency, yyyy-mm, units_per_eur)] of a rates file; raises `InvalidRatesFile` naming the line."""
    if not text.strip():
        raise _bad(1, "the file is empty")
    delimiter = _dialect(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        raise _bad(reader.line_num, f"not a rates file: {exc}") from None
    header_at = code_col = rate_col = None
    month_col: int | None = None
    for i, row in enumerate(rows[:20]):
        names = [_norm(c) for c in row]
        code_j = next((j for j, n in enumerate(names) if n in CODE_COLUMNS), None)
        rate_j = next((j for j, n in enumerate(names) if n in RATE_COLUMNS), None)
        if code_j is None and CURRENCY_NAME in names and rate_j is not None:
            code_j = names.index(CURRENCY_NAME)  # a file whose "Currency" column holds the ISO code
        if code_j is not None and rate_j is not None:
            header_at, code_col, rate_col = i, code_j, rate_j
            month_col = next((j for j, n in enumerate(names) if n in MONTH_COLUMNS), None)
            break
    if header_at is None or code_col is None or rate_col is None:
        raise _bad(
            1,
            "no header row with a currency code column (e.g. 'ISO code') and a rate column (e.g. 'Rate per EUR')",
            field="body",
        )
    query_month = month
    out: list[tuple[str, str, Decimal]] = []
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue
        if len(out) >= MAX_ROWS:
            raise _bad(i, f"more than {MAX_ROWS} rates in one file")
        if max(code_col, rate_col) >= len(row):
            raise _bad(i, "too few columns")
        code = row[code_col].strip()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise _bad(i, f"{row[code_col].strip()!r} is not an ISO 4217 currency code")
        try:
            units = parse_decimal(row[rate_col])
        except (InvalidOperation, ValueError):
            raise _bad(i, f"{row[rate_col].strip()!r} is not a decimal rate") from None
        if units <= 0:
            raise _bad(i, "the rate must be greater than zero")
        if units >= RATE_LIMIT:
            raise _bad(i, f"the rate must be less than {RATE_LIMIT:,} units per EUR")
        if units != units.quantize(_QUANTUM):
            raise _bad(i, f"the rate has more than {RATE_SCALE} decimal places")
        row_month = None
        if month_col is not None and month_col < len(row) and row[month_col].strip():
            try:
                row_month = parse_month(row[month_col])
            except ValueError:
                raise _bad(i, f"{row[month_col].strip()!r} is not a month") from None
            if query_month is not None and row_month != query_month:
                raise _bad(i, f"the row is for {row_month}, the request says ?month={query_month}")
        the_month = row_month or query_month
        if the_month is None:
            raise _bad(i, "the file has no month; pass ?month=yyyy-mm")
        if code == "EUR":
            if units != 1:
                raise _bad(i, "EUR is the base currency; its rate is 1")
            continue
        if (code, the_month) in seen:
            raise _bad(i, f"{code} for {the_month} already on line {seen[(code, the_month)]}")
        seen[(code, the_month)] = i
        out.append((code, the_month, units.quantize(_QUANTUM)))
    if not out:
        raise _bad(header_at + 1, "the file has no rates")
    return out
