"""CSV for spreadsheets: a text cell never becomes a formula, a number stays a number."""

import csv
import io

import pytest

from shared.csv_export import spreadsheet_safe, to_csv


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://evil","GIV")', '\'=HYPERLINK("http://evil","GIV")'),
        ("+1+1", "'+1+1"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        (" =1+1", "' =1+1"),
        ("   @SUM(A1)", "'   @SUM(A1)"),
        ("|calc", "'|calc"),
        ("%0A=1", "'%0A=1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("\uff0b1", "'\uff0b1"),
        ("\uff0dcmd", "'\uff0dcmd"),
        ("\uff20SUM(A1)", "'\uff20SUM(A1)"),
        ("GIV = green", "GIV = green"),
        ("-5.00", "-5.00"),
        ("390000.00", "390000.00"),
        ("GIV", "GIV"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised_and_numbers_kept(cell: str, shown: str) -> None:
    assert spreadsheet_safe(cell) == shown
    assert next(csv.reader(io.StringIO(to_csv([[cell]])))) == [shown]
