"""Money arithmetic: exact, explicit rounding, splits that sum to the whole."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from shared.money import Money, NonNegativeMoney, convert, round_minor, split


def test_amount_is_a_string_on_the_wire_with_cents() -> None:
    m = Money(amount="43800000", currency="EUR")
    assert m.model_dump(mode="json") == {"amount": "43800000.00", "currency": "EUR"}
    assert m.amount == Decimal("43800000.00")


@pytest.mark.parametrize("bad", [1.5, "1.005", "abc", "", "NaN", "Infinity", True])
def test_bad_amounts_are_refused(bad: object) -> None:
    with pytest.raises(ValidationError):
        Money(amount=bad, currency="EUR")  # type: ignore[arg-type]


def test_currency_must_be_iso_4217_shaped() -> None:
    with pytest.raises(ValidationError):
        Money(amount="1", currency="euro")


def test_non_negative_money_refuses_negative() -> None:
    with pytest.raises(ValidationError, match="must not be negative"):
        TypeAdapter(NonNegativeMoney).validate_python({"amount": "-5", "currency": "EUR"})


def test_money_does_not_mix_currencies() -> None:
    with pytest.raises(ValueError, match="cannot combine"):
        Money.of("1", "EUR") + Money.of("1", "NOK")
    assert (Money.of("1.10", "EUR") + Money.of("2.20", "EUR")).amount == Decimal("3.30")


def test_round_minor_is_half_up() -> None:
    assert round_minor(Decimal("0.005"), "EUR") == Decimal("0.01")
    assert round_minor(Decimal("0.0049"), "EUR") == Decimal("0.00")
    assert round_minor(Decimal("-0.005"), "EUR") == Decimal("-0.01")


def test_convert_uses_units_per_eur() -> None:
    assert convert(Decimal("1000000.00"), units_per_eur=Decimal("10")) == Decimal("100000.00")
    assert convert(Decimal("100.00"), units_per_eur=Decimal("11.2345")) == Decimal("8.90")
    assert convert(Decimal("100.00"), units_per_eur=Decimal("7.4600"), to_eur=False) == Decimal("746.00")
    with pytest.raises(ValueError):
        convert(Decimal("1"), units_per_eur=Decimal("0"))


def test_split_programme_shares_exactly() -> None:
    shares = [Decimal(s) for s in ("0.42", "0.22", "0.20", "0.09", "0.07")]
    parts = split(Decimal("47000000.00"), shares, "EUR")
    assert parts == [Decimal(x) for x in ("19740000.00", "10340000.00", "9400000.00", "4230000.00", "3290000.00")]


def test_split_gives_leftover_cents_to_largest_remainders_deterministically() -> None:
    assert split(Decimal("100.00"), [Decimal(1)] * 3, "EUR") == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert split(Decimal("0.05"), [Decimal(1), Decimal(3)], "EUR") == [Decimal("0.01"), Decimal("0.04")]


@given(
    total=st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2, allow_nan=False),
    weights=st.lists(st.decimals(min_value=Decimal(0), max_value=Decimal("1e6"), places=4), min_size=1, max_size=12),
)
def test_split_parts_always_sum_to_the_whole(total: Decimal, weights: list[Decimal]) -> None:
    if sum(weights) == 0:
        weights = [*weights[:-1], Decimal(1)]
    parts = split(total, weights, "EUR")
    assert sum(parts) == total
    assert all(p == p.quantize(Decimal("0.01")) for p in parts)
    # each part is within one cent of its exact share
    exact = [abs(total) * w / sum(weights) for w in weights]
    assert all(abs(abs(p) - e) < Decimal("0.01") for p, e in zip(parts, exact, strict=True))


HOSTILE = [
    "1e400",
    "1e27",
    "123456789012345678901234567890",
    "1_0",
    "١٠",  # Arabic-Indic digits
    "１０",  # full-width digits
    " 10",
    "10 ",
    "+10",
    "0x10",
    "1.",
    ".5",
    "-Infinity",
    "sNaN",
    "1000000000000000",
    10**15,
    -(10**15),
    # Too large, and more digits than the decimal context holds once rounded to the allowed places (found by
    # schemathesis as a 500 of `POST /v1/checks`).
    "123456789012345678901.12345678901",
]


@pytest.mark.parametrize("bad", HOSTILE, ids=repr)
def test_hostile_amounts_are_a_validation_error_naming_the_field(bad: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Money(amount=bad, currency="EUR")  # type: ignore[arg-type]
    assert caught.value.errors()[0]["loc"] == ("amount",)


def test_the_largest_amount_accepted_is_just_below_the_documented_maximum() -> None:
    assert Money(amount="999999999999999.99", currency="EUR").amount == Decimal("999999999999999.99")
    assert Money(amount="-999999999999999.99", currency="EUR").amount == Decimal("-999999999999999.99")


@pytest.mark.parametrize("bad", ["1e30", "99999999999999999", "0.00000000001", "1_0"])
def test_rates_and_shares_follow_the_same_grammar(bad: str) -> None:
    from shared.money import ExactDecimal

    with pytest.raises(ValidationError):
        TypeAdapter(ExactDecimal).validate_python(bad)
