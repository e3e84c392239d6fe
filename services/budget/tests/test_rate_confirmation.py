"""A monthly rate typed by hand far from the previous month's needs a confirmation: a misplaced decimal
is caught before a commitment converts at it."""

from __future__ import annotations

from httpx import AsyncClient

from services.budget.tests.helpers import ADMIN


async def test_a_rate_far_from_last_months_needs_confirmation(budget_client: AsyncClient) -> None:
    april = await budget_client.put("/v1/exchange-rates/SEK/2024-04", json={"units_per_eur": "11.5000"}, headers=ADMIN)
    assert april.status_code == 200, april.text
    # ±20 % is the default limit: 13.8 SEK (exactly +20 %) passes, 115.0 (a misplaced decimal) does not
    near = await budget_client.put("/v1/exchange-rates/SEK/2024-05", json={"units_per_eur": "13.8"}, headers=ADMIN)
    assert near.status_code == 200, near.text
    far = await budget_client.put("/v1/exchange-rates/SEK/2024-06", json={"units_per_eur": "115.0"}, headers=ADMIN)
    assert far.status_code == 409, far.text
    problem = far.json()
    assert problem["type"].endswith("/rate-needs-confirmation")
    assert (problem["previous_month"], problem["previous"], problem["asked"]) == ("2024-05", "13.8", "115")
    assert problem["deviation"] == "7.3333" and problem["limit"] == "0.20"
    rates = (await budget_client.get("/v1/exchange-rates", params={"currency": "SEK"})).json()["items"]
    assert [r["month"] for r in rates] == ["2024-05", "2024-04"]  # nothing stored
    confirmed = await budget_client.put(
        "/v1/exchange-rates/SEK/2024-06", json={"units_per_eur": "115.0", "confirm_deviation": True}, headers=ADMIN
    )
    assert confirmed.status_code == 200 and confirmed.json()["units_per_eur"] == "115"


async def test_a_first_rate_needs_no_confirmation(budget_client: AsyncClient) -> None:
    first = await budget_client.put("/v1/exchange-rates/DKK/2024-05", json={"units_per_eur": "7.4600"}, headers=ADMIN)
    assert first.status_code == 200, first.text
