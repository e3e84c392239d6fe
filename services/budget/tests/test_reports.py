"""Public reports: drill-downs, time series, utilisation as JSON, CSV and SVG, caching."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

from httpx import AsyncClient

from services.budget.tests.helpers import APPLICATIONS, SE_NO, commitment, key, money, pay_by_claim
from services.catalogue.calls import call_id

CALL = str(call_id(SE_NO, "2022-1"))
"""A call the catalogue has (a commitment naming a call the catalogue lacks is refused)."""


async def _commit_some(client: AsyncClient) -> list[dict]:
    bodies = [
        commitment(SE_NO, "1", ("ERDF", "390000.00", "EUR"), ("NO-STATE", "100000.00", "EUR"), so="1B", call_id=CALL),
        commitment(SE_NO, "1", ("ERDF", "110000.00", "EUR"), so="1A", call_id=CALL),
        commitment(SE_NO, "TA", ("ERDF", "50000.00", "EUR")),
    ]
    made = []
    for b in bodies:
        r = await client.post("/v1/commitments", json=b, headers={**APPLICATIONS, **key()})
        assert r.status_code == 201, r.text
        made.append(r.json())
    r = await client.post(
        f"/v1/commitments/{made[1]['id']}/release",
        json={"reason": "Lower costs", "lines": [{"fund": "ERDF", "amount": money("10000.00")}]},
        headers={**APPLICATIONS, **key()},
    )
    assert r.status_code == 200
    await pay_by_claim(client, made[0]["id"], "ERDF", "5000.00")
    return made


async def test_drill_down_by_specific_objective_call_and_month(budget_live_client: AsyncClient) -> None:
    budget_client = budget_live_client
    await _commit_some(budget_client)
    so = (await budget_client.get(f"/v1/programmes/{SE_NO}/budget/specific-objectives")).json()
    rows = {(r["specific_objective"], r["fund"]): (r["committed"]["amount"], r["paid"]["amount"]) for r in so["rows"]}
    assert rows == {
        ("1A", "ERDF"): ("100000.00", "0.00"),
        ("1B", "ERDF"): ("390000.00", "5000.00"),
        ("1B", "NO-STATE"): ("100000.00", "0.00"),
        (None, "ERDF"): ("50000.00", "0.00"),
    }
    calls = (await budget_client.get(f"/v1/programmes/{SE_NO}/budget/calls")).json()
    rows = {(r["call_id"], r["fund"]): r["committed"]["amount"] for r in calls["rows"]}
    assert rows == {(CALL, "ERDF"): "490000.00", (CALL, "NO-STATE"): "100000.00", (None, "ERDF"): "50000.00"}
    ts = (await budget_client.get(f"/v1/programmes/{SE_NO}/budget/timeseries", params={"interval": "month"})).json()
    assert ts["interval"] == "month" and len({p["period"] for p in ts["points"]}) == 1
    erdf = next(p for p in ts["points"] if p["fund"] == "ERDF")
    assert (erdf["committed"], erdf["released"], erdf["net"]) == (
        money("550000.00"),
        money("10000.00"),
        money("540000.00"),
    )
    assert (
        await budget_client.get(f"/v1/programmes/{SE_NO}/budget/timeseries", params={"interval": "week"})
    ).status_code == 422


async def test_utilisation_json_csv_and_svg_agree(budget_live_client: AsyncClient) -> None:
    budget_client = budget_live_client
    await _commit_some(budget_client)
    data = (await budget_client.get(f"/v1/programmes/{SE_NO}/budget/utilisation")).json()
    assert len(data["rows"]) == 10
    first = data["rows"][0]
    assert (first["priority"], first["fund"]) == ("1", "ERDF")
    assert first["committed"] == money("490000.00") and first["utilisation"] == "0.0248"
    assert data["total"]["allocated"] == money("63000000.00")

    r = await budget_client.get(f"/v1/programmes/{SE_NO}/budget/utilisation.csv")
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))
    assert len(table) == 11 and table[-1]["priority"] == "TOTAL"
    for row, j in zip(table, [*data["rows"], data["total"]], strict=True):
        assert (row["priority"], row["fund"], row["currency"]) == (j["priority"], j["fund"], "EUR")
        for col in ("allocated", "committed", "available"):
            assert Decimal(row[col]) == Decimal(j[col]["amount"]) and "," not in row[col]
        assert row["utilisation"] == (j["utilisation"] or "")
    assert sum(Decimal(r["allocated"]) for r in table[:-1]) == Decimal(table[-1]["allocated"])

    r = await budget_client.get(f"/v1/programmes/{SE_NO}/budget/utilisation.svg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(r.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Interreg Sweden–Norway 2021–2027" in texts
    assert "EUR (millions)" in texts and "Allocated" in texts and "Committed" in texts and "Available" in texts
    again = await budget_client.get(f"/v1/programmes/{SE_NO}/budget/utilisation.svg")
    assert again.content == r.content  # deterministic
    sv = await budget_client.get(f"/v1/programmes/{SE_NO}/budget/utilisation.svg", headers={"Accept-Language": "sv"})
    assert "Interreg Sverige–Norge 2021–2027" in sv.text


async def test_reports_are_public_cached_briefly_and_revalidate(budget_live_client: AsyncClient) -> None:
    budget_client = budget_live_client
    r = await budget_client.get(f"/v1/programmes/{SE_NO}/budget")
    assert r.headers["cache-control"].startswith("public, max-age=5")
    etag = r.headers["etag"]
    assert (
        await budget_client.get(f"/v1/programmes/{SE_NO}/budget", headers={"If-None-Match": etag})
    ).status_code == 304
    await _commit_some(budget_client)
    fresh = await budget_client.get(f"/v1/programmes/{SE_NO}/budget", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    csv_r = await budget_client.get(f"/v1/programmes/{SE_NO}/budget/utilisation.csv")
    assert (
        await budget_client.get(
            f"/v1/programmes/{SE_NO}/budget/utilisation.csv", headers={"If-None-Match": csv_r.headers["etag"]}
        )
    ).status_code == 304
    missing = await budget_client.get("/v1/programmes/nope/budget")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
