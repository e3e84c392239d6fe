"""Unit tests of the money arithmetic: allocation by shares, conversion, rates files. No database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.budget.config import Settings
from services.budget.errors import InvalidRatesFile
from services.budget.models import UNALLOCATED
from services.budget.rates import inforeuro
from services.budget.rates.conversion import month_of
from services.budget.sync import plan_allocations
from services.budget.tests.helpers import make_programme
from shared.money import convert, round_minor, split

SHARES = [Decimal("0.42"), Decimal("0.22"), Decimal("0.20"), Decimal("0.09"), Decimal("0.07")]


def test_erdf_split_by_the_programme_shares() -> None:
    parts = split(Decimal("47000000.00"), SHARES, "EUR")
    assert parts == [
        Decimal("19740000.00"),
        Decimal("10340000.00"),
        Decimal("9400000.00"),
        Decimal("4230000.00"),
        Decimal("3290000.00"),
    ]
    assert sum(parts) == Decimal("47000000.00")


def test_split_gives_leftover_cents_to_the_largest_remainders_deterministically() -> None:
    thirds = [Decimal(1), Decimal(1), Decimal(1)]
    assert split(Decimal("100.00"), thirds, "EUR") == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert split(Decimal("100.00"), thirds, "EUR") == split(Decimal("100.00"), thirds, "EUR")
    assert split(Decimal("0.05"), [Decimal("0.5"), Decimal("0.3"), Decimal("0.2")], "EUR") == [
        Decimal("0.03"),
        Decimal("0.01"),
        Decimal("0.01"),
    ]


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=10**13),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(any),
)
def test_split_parts_always_sum_to_the_whole(total: int, weights: list[int]) -> None:
    whole = Decimal(total).scaleb(-2)
    parts = split(whole, [Decimal(w) for w in weights], "EUR")
    assert sum(parts) == whole
    assert all(p >= 0 and p == p.quantize(Decimal("0.01")) for p in parts)
    assert parts == split(whole, [Decimal(w) for w in weights], "EUR")


def test_plan_by_shares_by_explicit_allocations_and_to_the_reserve() -> None:
    programme, priorities, _ = make_programme(
        "p", funds={"ERDF": "47000000.00"}, shares={"1": "0.42", "2": "0.22", "3": "0.20", "4": "0.09", "TA": "0.07"}
    )
    method, plan, notes = plan_allocations(programme, priorities, programme.funds[0])
    assert method == "shares" and sum(a for _, a in plan) == Decimal("47000000.00")
    assert notes == [
        "ERDF: derived, not the programme's figures: the fund split by the priorities' shares (catalogue "
        "`Priority.share`, which the seeds give as shares of the programme's total financing), applied to the "
        "fund's amount; the programme publishes no per-fund split"
    ]
    assert dict(plan)["1"] == Decimal("19740000.00")

    programme, priorities, _ = make_programme(
        "q",
        currency="DKK",
        funds={"NORA": "12200000.00"},
        shares={"1": None, "6": None},
        allocations=[("NORA", "1", "4800000.00"), ("NORA", "6", "1600000.00")],
    )
    method, plan, notes = plan_allocations(programme, priorities, programme.funds[0])
    assert method == "explicit"
    assert plan == [("1", Decimal("4800000.00")), ("6", Decimal("1600000.00")), (UNALLOCATED, Decimal("5800000.00"))]
    assert notes

    programme, priorities, _ = make_programme("r", funds={"ERDF": "134900000.00"}, shares={"1": None, "2": None})
    assert plan_allocations(programme, priorities, programme.funds[0])[:2] == (
        "reserve",
        [(UNALLOCATED, Decimal("134900000.00"))],
    )

    programme, priorities, _ = make_programme(
        "s", funds={"F": "10.00"}, shares={"1": None}, allocations=[("F", "1", "11.00")]
    )
    with pytest.raises(ValueError, match="exceed"):
        plan_allocations(programme, priorities, programme.funds[0])


def test_conversion_via_eur_rounds_once_half_up() -> None:
    # 1,000.00 NOK at 11.5 NOK/EUR = 86.956521… EUR -> 86.96
    assert convert(Decimal("1000.00"), units_per_eur=Decimal("11.5")) == Decimal("86.96")
    # NOK -> DKK via EUR with one rounding: 1000 / 11.5 * 7.4604 = 648.730434… -> 648.73
    assert round_minor(Decimal("1000.00") / Decimal("11.5") * Decimal("7.4604"), "DKK") == Decimal("648.73")
    # Half a cent goes up
    assert round_minor(Decimal("0.125"), "EUR") == Decimal("0.13")
    assert round_minor(Decimal("-0.125"), "EUR") == Decimal("-0.13")


def test_month_is_taken_on_the_brussels_clock() -> None:
    import datetime as dt

    # 23:30 UTC on 31 January is already February in Brussels
    brussels = Settings().rate_zone  # the default rate clock
    assert month_of(dt.datetime(2024, 1, 31, 23, 30, tzinfo=dt.UTC), brussels) == "2024-02"
    assert month_of(dt.datetime(2024, 7, 31, 21, 59, tzinfo=dt.UTC), brussels) == "2024-07"


INFOREURO = """Monthly accounting rates;;;
Country;Currency;ISO code;Rate per EUR
Norway;Norwegian krone;NOK;11,6145
Sweden;Swedish krona;SEK;11,4780
Denmark;Danish krone;DKK;7,4604
Euro area;Euro;EUR;1,0000
Japan;Yen;JPY;"165,92"
"""


def test_rates_file_with_decimal_comma_and_month_in_the_query() -> None:
    rows = inforeuro.parse(INFOREURO, "2024-05")
    assert rows == [
        ("NOK", "2024-05", Decimal("11.614500")),
        ("SEK", "2024-05", Decimal("11.478000")),
        ("DKK", "2024-05", Decimal("7.460400")),
        ("JPY", "2024-05", Decimal("165.920000")),
    ]


def test_rates_file_with_point_comma_separator_and_a_month_column() -> None:
    text = "\ufeffCountry,Currency,ISO A3 code,Value,Start date\nNorway,Norwegian krone,NOK,11.6145,01/05/2024\n"
    assert inforeuro.parse(text, None) == [("NOK", "2024-05", Decimal("11.614500"))]
    assert inforeuro.parse("Currency\tRate\nNOK\t1,234.5\n", "2024-06") == [("NOK", "2024-06", Decimal("1234.5"))]


@pytest.mark.parametrize(
    ("text", "month", "line"),
    [
        ("Country;ISO code;Rate\nNorway;NOK;abc\n", "2024-05", 2),
        ("Country;ISO code;Rate\nNorway;NOK;11,6\nSweden;SEKK;11,4\n", "2024-05", 3),
        ("Country;ISO code;Rate\nNorway;NOK;-1\n", "2024-05", 2),
        ("Country;ISO code;Rate\nNorway;NOK;11,6\n", None, 2),
        ("Country;ISO code;Rate\nNorway;nok;11,6\n", "2024-05", 2),  # a code is exact: no case folding
        ("Country;ISO code;Rate\nNorway;NOK;11,6\nNorway;NOK;11,7\n", "2024-05", 3),
        ("ISO code;Rate;Month\nNOK;11,6;2024-04\n", "2024-05", 2),
        ("Land;Kurs\nNorge;11,6\n", "2024-05", 1),
    ],
)
def test_a_bad_rates_file_names_the_line(text: str, month: str | None, line: int) -> None:
    with pytest.raises(InvalidRatesFile) as info:
        inforeuro.parse(text, month)
    assert info.value.extra["line"] == line
    assert f"line {line}" in (info.value.detail or "")


def test_a_rates_file_that_is_not_utf8_names_its_line() -> None:
    assert inforeuro.decode("\ufeffISO code;Rate\n".encode()) == "ISO code;Rate\n"
    with pytest.raises(InvalidRatesFile) as info:
        inforeuro.decode("ISO code;Rate\nNOK;11,6\nSEK;kr\xf6na\n".encode("latin-1"))
    assert info.value.extra["line"] == 3
