"""`shared.money.of_rate`: the one rounding of an amount computed from another (flat rates, unit costs)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from shared.money import of_rate


def test_worked_examples() -> None:
    assert of_rate(Decimal("1000000.00"), Decimal("0.15"), "SEK") == Decimal("150000.00")
    assert of_rate(Decimal("333333.33"), Decimal("0.15"), "SEK") == Decimal("50000.00")  # 49,999.9995
    assert of_rate(Decimal("333333.36"), Decimal("0.15"), "SEK") == Decimal("50000.00")  # 50,000.004
    assert of_rate(Decimal("0.10"), Decimal("0.05"), "EUR") == Decimal("0.01")  # exactly half a cent: up
    assert of_rate(Decimal("-0.10"), Decimal("0.05"), "EUR") == Decimal("-0.01")  # away from zero
    assert of_rate(Decimal("3.5"), Decimal("125.55"), "SEK") == Decimal("439.43")  # 439.425


cents = st.integers(min_value=0, max_value=10**13).map(lambda n: Decimal(n).scaleb(-2))
rates = st.integers(min_value=1, max_value=10000).map(lambda n: Decimal(n).scaleb(-4))


@given(cents, rates)
def test_never_more_than_half_a_cent_from_the_exact_product(base: Decimal, rate: Decimal) -> None:
    result = of_rate(base, rate, "EUR")
    assert result == result.quantize(Decimal("0.01"))
    assert abs(result - base * rate) <= Decimal("0.005")
    assert result >= base * rate - Decimal("0.005") and (result - base * rate != Decimal("-0.005"))
