"""Every list of the budget pages as `{"items", "next_cursor"}` and refuses a cursor it did not return."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from services.budget.tests.fixtures import NOW
from services.budget.tests.helpers import ADMIN, APPLICATIONS, OFFICER, SE_NO, commitment, key, money
from shared.pagination import Offset, encode_cursor

LISTS = {
    "commitments": "/v1/commitments",
    "exchange rates": "/v1/exchange-rates",
    "fixed rates": f"/v1/programmes/{SE_NO}/fixed-rates",
}
TIME_SERIES = f"/v1/programmes/{SE_NO}/budget/timeseries"


def crafted(payload: Any) -> str:
    """A cursor made by hand: base64 of any JSON, as a client might forge it."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


CRAFTED = {
    "commitments": [
        crafted({"created_at": "2024-05-15T10:00:00", "id": "6f1c4a3e-2b1d-4c9e-8f7a-1234567890ab"}),  # naive
        crafted({"created_at": "yesterday", "id": "6f1c4a3e-2b1d-4c9e-8f7a-1234567890ab"}),
        crafted({"created_at": "2024-05-15T10:00:00Z", "id": -1}),
    ],
    "exchange rates": [
        crafted({"month": "2024-13", "currency": "NOK"}),
        crafted({"month": "2024-05", "currency": "nok"}),
        crafted({"month": "2024-05"}),
    ],
    "fixed rates": [crafted({"currency": "NOKK"}), crafted({"currency": 1}), crafted([])],
}
ANY_LIST = [
    "bm90LWEtY3Vyc29y",  # "not-a-cursor"
    "%%%",
    crafted(None),
    crafted({"offset": -1}),
    encode_cursor(Offset(offset=1)),  # a cursor of another kind of list
]


@pytest.mark.parametrize("name", sorted(LISTS))
async def test_a_cursor_the_list_did_not_return_is_a_422(budget_client: AsyncClient, name: str) -> None:
    for cursor in [*CRAFTED[name], *ANY_LIST]:
        r = await budget_client.get(LISTS[name], params={"cursor": cursor}, headers=OFFICER)
        assert r.status_code == 422, (name, cursor, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["field"] == "query.cursor"


async def _walk(client: AsyncClient, url: str, key_of: str = "items", **params: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    query: dict[str, Any] = {**params, "limit": 1}
    while True:
        r = await client.get(url, params=query, headers=OFFICER)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page[key_of]) <= 1
        seen += page[key_of]
        if page["next_cursor"] is None:
            return seen
        query["cursor"] = page["next_cursor"]


async def test_rates_lists_page_one_at_a_time(budget_client: AsyncClient) -> None:
    for currency, rate in (("SEK", "11.4"), ("DKK", "7.46")):
        r = await budget_client.put(
            f"/v1/programmes/{SE_NO}/fixed-rates/{currency}", json={"units_per_eur": rate}, headers=ADMIN
        )
        assert r.status_code == 200
    fixed = await _walk(budget_client, LISTS["fixed rates"])
    assert [(x["currency"], x["source"]) for x in fixed] == [("DKK", "admin"), ("NOK", "catalogue"), ("SEK", "admin")]
    for currency, month in (("NOK", "2024-04"), ("SEK", "2024-05"), ("NOK", "2024-05")):
        r = await budget_client.put(
            f"/v1/exchange-rates/{currency}/{month}", json={"units_per_eur": "11"}, headers=ADMIN
        )
        assert r.status_code == 200
    monthly = await _walk(budget_client, LISTS["exchange rates"])
    assert [(x["month"], x["currency"]) for x in monthly] == [
        ("2024-05", "NOK"),
        ("2024-05", "SEK"),
        ("2024-04", "NOK"),
    ]
    empty = (await budget_client.get(LISTS["exchange rates"], params={"currency": "JPY"})).json()
    assert empty == {"items": [], "next_cursor": None}


async def test_the_time_series_is_whole_by_brussels_month_and_fund(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    clock = budget_app.state.clock
    for at, fund in ((NOW, "ERDF"), (NOW, "NO-STATE"), (dt.datetime(2024, 6, 30, 22, 30, tzinfo=dt.UTC), "ERDF")):
        clock.set(at)  # 22:30 UTC on 30 June is already July in Brussels
        body = commitment(SE_NO, "1", (fund, "100.00", "EUR"))
        assert (
            await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
        ).status_code == 201
    months = (await budget_client.get(TIME_SERIES, params={"interval": "month"})).json()
    assert [(p["period"], p["fund"], p["committed"]) for p in months["points"]] == [
        ("2024-05", "ERDF", money("100.00")),
        ("2024-05", "NO-STATE", money("100.00")),
        ("2024-07", "ERDF", money("100.00")),
    ]
    years = (await budget_client.get(TIME_SERIES, params={"interval": "year"})).json()
    assert [(p["period"], p["fund"], p["net"]) for p in years["points"]] == [
        ("2024", "ERDF", money("200.00")),
        ("2024", "NO-STATE", money("100.00")),
    ]
