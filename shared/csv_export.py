"""CSV for spreadsheets, the one way every service writes it: RFC 4180 line ends, and every text cell
that a spreadsheet would read as a formula neutralised (OWASP, "CSV Injection"): a cell starting — after
any spaces, which spreadsheets skip — with `=`, `+`, `-`, `@`, `|` or `%` (DDE and macro starts), their
full-width forms (`＝`, `＋`, `－`, `＠`, which some spreadsheets fold to the ASCII ones), a tab, a line
feed or a carriage return gets a leading apostrophe, unless it is a plain decimal number such as `-5.00`,
which a spreadsheet reads as the number it is."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from shared.money import DECIMAL_PATTERN

FORMULA_STARTS = ("=", "+", "-", "@", "|", "%", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\t", "\n", "\r")


def spreadsheet_safe(cell: str) -> str:
    """The cell as a spreadsheet shows it as text, never as a formula."""
    if cell.lstrip(" ").startswith(FORMULA_STARTS) and not DECIMAL_PATTERN.fullmatch(cell):
        return "'" + cell
    return cell


def to_csv(rows: Iterable[Sequence[str]]) -> str:
    """Rows of text cells as CSV text, each cell made spreadsheet-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()
