"""After the decision, across the four running services (issue 23's "done when"): a project with a Swedish
and a Norwegian owner is approved and contracted with two reporting periods; each owner's partner report
has 30 expenditure lines (SEK and NOK; every real-cost category, office and administration as the flat
rate); the control deducts two lines with typologies and parks one; the certificate needs a second person;
the project report is verified; the ERDF claim in EUR is 65 % of the certified Swedish expenditure converted
at the stored month's rate, to the cent, and the NO-STATE claim in NOK 50 % of the Norwegian; finance
authorises, the authoriser's own confirmation is a 403, another person's confirmation pays: the budget's
paid per fund and priority rises by exactly the claims and the commitment's remainder falls by the same;
the second period (with the parked lines) is paid the same way; closure releases the rest; the budget's
reconciler finds no difference.

Needs the budget side of issue 23 (`POST /v1/claims`, `…/authorisation`, `…/confirmation`,
`GET /v1/claims?commitment_id=`): it runs once both branches are merged. Every expected figure is computed
here from the lines, independently of the services' code."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e import committee
from tests.e2e.stack import STACK_PROGRAMME as PROGRAMME
from tests.e2e.stack import Stack, settled
from tests.harness import WEB, auth

pytestmark = pytest.mark.e2e

OFFICER, ADMIN = auth("officer", "e2e-olga"), auth("admin", "e2e-admin")
CREATOR = auth("applicant", "e2e-alice")
SVEA, NILS = auth("applicant", "e2e-svea", org="232100-0152"), auth("applicant", "e2e-nils", org="964950113")
KARL, KERSTIN, NORA = auth("controller", "e2e-karl"), auth("controller", "e2e-kerstin"), auth("controller", "e2e-nora")
AUTHORISER, CONFIRMER = auth("finance", "e2e-finn"), auth("finance", "e2e-frida")
CATEGORIES = ("staff", "travel-accommodation", "external-expertise", "equipment", "infrastructure-works")
FLAT = Decimal("0.15")
"""Office and administration: 15 % of staff costs (the catalogue's option `office-administration-15`)."""
SEK_PER_EUR = Decimal("11.4721")


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def money(amount: Decimal | str, currency: str) -> dict[str, str]:
    return {"amount": str(amount), "currency": currency}


def application(call_id: str) -> dict[str, Any]:
    start = dt.date.today() + dt.timedelta(days=60)

    def budget(currency: str, staff: str, others: tuple[str, str, str, str]) -> list[dict[str, Any]]:
        lines: list[dict[str, Any]] = [
            {"category": "staff", "amount": money(staff, currency)},
            {"category": "office-administration", "cost_option": "office-administration-15"},
        ]
        return lines + [
            {"category": c, "amount": money(a, currency)} for c, a in zip(CATEGORIES[1:], others, strict=True)
        ]

    partner = {"organisation_type": "public-authority", "role": "lead"}
    return {
        "programme": PROGRAMME,
        "call_id": call_id,
        "specific_objective": "1B",
        "project_type": "main-project",
        "acronym": "GIV2",
        "title": {"sv": "Grön industriväxt", "nb": "Grønn industrivekst"},
        "cross_border_added_value": "A shared supplier base for small manufacturers across the border.",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=3 * 365 - 30)).isoformat(),
        "partners": [
            {
                **partner,
                "name": "Region Värmland",
                "organisation_number": "232100-0152",
                "country": "SE",
                "region": "SE311",
                "budget": budget("EUR", "400000.00", ("20000.00", "80000.00", "30000.00", "10000.00")),
                "financing": [
                    {"source": "ERDF", "amount": money("390000.00", "EUR")},
                    {"source": "own-public", "amount": money("210000.00", "EUR")},
                ],
            },
            {
                **partner,
                "name": "Kongsvinger kommune",
                "organisation_number": "964950113",
                "country": "NO",
                "region": "NO020",
                "budget": budget("NOK", "2000000.00", ("200000.00", "600000.00", "150000.00", "50000.00")),
                "financing": [
                    {"source": "NO-STATE", "amount": money("1650000.00", "NOK")},
                    {"source": "own-public", "amount": money("1650000.00", "NOK")},
                ],
            },
        ],
    }


def expenditure(currency: str, n: int = 30) -> list[dict[str, Any]]:
    """`n` lines over every real-cost category; amounts with cents so that rounding shows."""
    out = []
    for i in range(n):
        category = CATEGORIES[i % len(CATEGORIES)]
        amount = Decimal(1000 + 137 * i) + Decimal(i % 7) / 100 + Decimal("0.33")
        line = {
            "category": category,
            "invoice_number": f"{currency}-{i:03d}",
            "invoice_date": dt.date.today().isoformat(),
            "supplier": f"Supplier {i}",
            "description": f"line {i + 1}",
            "amount": money(amount, currency),
        }
        if i % 10 == 3:
            line["vat"] = money(cents(amount * Decimal("0.2")), currency)
        out.append(line)
    return out


def declared(line: dict[str, Any]) -> Decimal:
    return Decimal(line["amount"]["amount"]) - Decimal((line.get("vat") or {"amount": "0"})["amount"])


def certified_total(lines: list[dict[str, Any]], certified: dict[int, Decimal]) -> Decimal:
    """Certified real costs plus the flat rate on the certified staff costs, rounded once."""
    staff = sum((certified[n] for n, ln in enumerate(lines, 1) if ln["category"] == "staff"), Decimal(0))
    return sum(certified.values(), Decimal(0)) + cents(staff * FLAT)


def contract_body(start_date: str, se_controller: str, no_controller: str) -> dict[str, Any]:
    """Complete contract data: two yearly reporting periods (the second final), both owners' contacts and
    bank accounts, a controller per partner."""
    start = dt.date.fromisoformat(start_date)
    periods = [
        {
            "number": n,
            "start": (start + dt.timedelta(days=365 * (n - 1))).isoformat(),
            "end": (start + dt.timedelta(days=365 * n - 1)).isoformat(),
            "deadline": (start + dt.timedelta(days=365 * n + 59)).isoformat(),
            "kind": "both",
            "final": n == 2,
        }
        for n in (1, 2)
    ]
    return {
        "decision_date": dt.date.today().isoformat(),
        "contract_date": dt.date.today().isoformat(),
        "start_date": periods[0]["start"],
        "end_date": periods[1]["end"],
        "periods": periods,
        "owners": {
            "SE": {
                "contacts": [{"name": "Karin Berg", "email": "karin@regionvarmland.se"}],
                "bank_account": {"holder": "Region Värmland", "iban": "SE4550000000058398257466"},
            },
            "NO": {
                "contacts": [{"name": "Ola Nordmann", "email": "ola@kongsvinger.kommune.no"}],
                "bank_account": {"holder": "Kongsvinger kommune", "account_number": "86011117947"},
            },
        },
        "controllers": [{"partner": 1, "controller": se_controller}, {"partner": 2, "controller": no_controller}],
    }


class Api:
    def __init__(self, stack: Stack) -> None:
        self.apps, self.budget = stack.url("applications"), stack.url("budget")

    def call(
        self, method: str, path: str, who: dict[str, str], expect: int = 200, base: str | None = None, **kwargs: Any
    ) -> Any:
        headers = {**who, **(key() if method != "GET" else {}), **kwargs.pop("headers", {})}
        r = WEB.request(method, f"{base or self.apps}{path}", headers=headers, timeout=60, **kwargs)
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None


def budget_row(api: Api, fund: str, priority: str = "1") -> dict[str, Any]:
    body = api.call("GET", f"/v1/programmes/{PROGRAMME}/budget", OFFICER, base=api.budget)
    row: dict[str, Any] = next(r for r in body["rows"] if r["fund"] == fund and r["priority"] == priority)
    return row


def remainder(api: Api, commitment_id: str) -> dict[str, Decimal]:
    c = api.call("GET", f"/v1/commitments/{commitment_id}", OFFICER, base=api.budget)
    return {
        ln["fund"]: Decimal(ln["amount_programme"]["amount"])
        - Decimal(ln["released"]["amount"])
        - Decimal(ln["paid"]["amount"])
        for ln in c["lines"]
    }


def controlled(
    api: Api,
    rid: str,
    lines: list[dict[str, Any]],
    controller: dict[str, str],
    second: dict[str, str],
    *,
    deduct: tuple[int, ...] = (),
    park: tuple[int, ...] = (),
) -> dict[int, Decimal]:
    """Control of a submitted report: lines of `deduct` lose a third (two typologies), `park` is parked, the
    rest certified in full; completion; the controller's own certificate 403, the second person's 200."""
    api.call("POST", f"/v1/partner-reports/{rid}/control", controller)
    certified: dict[int, Decimal] = {}
    typologies = iter(("missing-supporting-documents", "ineligible-cost"))
    for n, ln in enumerate(lines, start=1):
        currency, value = ln["amount"]["currency"], declared(ln)
        if n in park:
            body: dict[str, Any] = {"parked": True, "comment": "paid after the period"}
        elif n in deduct:
            cut = cents(value / 3)
            certified[n] = value - cut
            body = {
                "certified": money(value - cut, currency),
                "deducted": money(cut, currency),
                "typology": next(typologies),
                "comment": "a third not supported",
            }
        else:
            certified[n] = value
            body = {"certified": money(value, currency)}
        api.call("PUT", f"/v1/partner-reports/{rid}/lines/{n}/verification", controller, json=body)
    api.call("POST", f"/v1/partner-reports/{rid}/control/completion", controller)
    api.call("POST", f"/v1/partner-reports/{rid}/control/certificate", controller, expect=403)
    report = api.call("POST", f"/v1/partner-reports/{rid}/control/certificate", second)
    assert report["status"] == "certified"
    return certified


def paid_with_four_eyes(api: Api, claims: list[dict[str, Any]], commitment_id: str) -> None:
    """Authorise each claim, refuse the authoriser's own confirmation, confirm by another: paid per fund and
    priority rises by exactly the claims, the commitment's remainder falls by the same."""
    for claim in claims:
        fund = claim["fund"]
        paid_before = Decimal(budget_row(api, fund)["paid"]["amount"])
        left_before = remainder(api, commitment_id)[fund]
        api.call("POST", f"/v1/claims/{claim['id']}/authorisation", AUTHORISER, base=api.budget)
        api.call("POST", f"/v1/claims/{claim['id']}/confirmation", AUTHORISER, expect=403, base=api.budget)
        done = api.call("POST", f"/v1/claims/{claim['id']}/confirmation", CONFIRMER, base=api.budget)
        assert done["status"] == "paid", done
        paid = Decimal(done["paid_programme"]["amount"])
        if fund == "ERDF":
            assert paid == Decimal(claim["amount"]["amount"])  # EUR is the programme's currency
        assert Decimal(budget_row(api, fund)["paid"]["amount"]) - paid_before == paid
        assert left_before - remainder(api, commitment_id)[fund] == paid


def project_report(api: Api, aid: str, period: int, se: str, no: str) -> dict[str, Any]:
    pr = api.call(
        "POST",
        f"/v1/projects/{aid}/project-reports",
        SVEA,
        expect=201,
        json={"period": period, "progress": "Joint progress report."},
    )
    api.call("POST", f"/v1/project-reports/{pr['id']}/submit", SVEA, json={"partner_reports": [se]})
    assert (
        api.call("POST", f"/v1/project-reports/{pr['id']}/submit", NILS, json={"partner_reports": [no]})["status"]
        == "submitted"
    )
    verified = api.call("POST", f"/v1/project-reports/{pr['id']}/verification", OFFICER)
    assert verified["status"] == "verified"
    out: dict[str, Any] = settled(
        f"{api.apps}/v1/project-reports/{pr['id']}",
        OFFICER,
        lambda b: bool(b["claims"]) and all(c["state"] == "submitted" for c in b["claims"]),
    )
    assert all(c["state"] == "submitted" for c in out["claims"]), out
    return out


def expected_claims(se_total_sek: Decimal, rate: Decimal, no_total_nok: Decimal) -> dict[str, Decimal]:
    eur = cents(se_total_sek / rate)
    return {"ERDF": cents(Decimal("0.65") * eur), "NO-STATE": cents(Decimal("0.5") * no_total_nok)}


def test_contract_report_control_claim_pay_close(stack: Stack) -> None:
    api = Api(stack)
    month = dt.datetime.now(ZoneInfo("Europe/Brussels")).strftime("%Y-%m")
    api.call("PUT", f"/v1/exchange-rates/SEK/{month}", ADMIN, base=api.budget, json={"units_per_eur": str(SEK_PER_EUR)})

    # Approved: both owners lead partners; the commitment accepted.
    call = stack.open_call("after-approval")
    aid = api.call("POST", "/v1/applications", CREATOR, expect=201, json=application(call["id"]))["id"]
    api.call("POST", f"/v1/applications/{aid}/submit", CREATOR)
    assert (
        settled(f"{api.apps}/v1/applications/{aid}", OFFICER, lambda a: a["status"] != "submitted")["status"]
        == "eligible"
    )
    committee.approve(f"{api.apps}/v1/applications", aid, call["id"])  # the committee decides
    app = settled(f"{api.apps}/v1/applications/{aid}", OFFICER, lambda a: a["commitment_status"] != "pending")
    assert app["commitment_status"] == "active", app
    commitment_id = app["commitment_id"]

    # Contracted with two reporting periods, a controller per partner.
    for sub, country in (("e2e-karl", "SE"), ("e2e-kerstin", "SE"), ("e2e-nora", "NO")):
        api.call(
            "POST",
            f"/v1/programmes/{PROGRAMME}/controllers",
            ADMIN,
            expect=201,
            json={"sub": sub, "name": f"Controller {sub}", "country": country},
        )
    contract = contract_body(app["start_date"], "e2e-karl", "e2e-nora")
    etag = WEB.get(f"{api.apps}/v1/projects/{aid}", headers=OFFICER, timeout=60).headers["etag"]
    api.call("PUT", f"/v1/projects/{aid}/contract", OFFICER, json=contract, headers={"If-Match": etag})
    assert api.call("POST", f"/v1/projects/{aid}/contracting", OFFICER)["status"] == "contracted"
    listing = WEB.get(f"{api.apps}/v1/projects.csv", headers=OFFICER).text
    assert aid in listing and "SE4550000000058398257466" not in listing and "86011117947" not in listing

    # Each owner's partner report: 30 lines, imported as CSV on the Swedish side, entered on the Norwegian.
    se_lines, no_lines = expenditure("SEK"), expenditure("NOK")
    se = api.call("POST", f"/v1/projects/{aid}/partner-reports", SVEA, expect=201, json={"partner": 1, "period": 1})[
        "id"
    ]
    rows = ["category,invoice_number,invoice_date,supplier,description,amount,currency,vat"] + [
        f"{ln['category']},{ln['invoice_number']},{ln['invoice_date']},{ln['supplier']},{ln['description']},"
        f"{ln['amount']['amount']},SEK,{(ln.get('vat') or {'amount': ''})['amount']}"
        for ln in se_lines
    ]
    imported = api.call(
        "POST",
        f"/v1/partner-reports/{se}/lines/import",
        SVEA,
        content="\r\n".join(rows) + "\r\n",
        headers={"Content-Type": "text/csv"},
    )
    assert imported["imported"] == 30
    no = api.call("POST", f"/v1/projects/{aid}/partner-reports", NILS, expect=201, json={"partner": 2, "period": 1})[
        "id"
    ]
    for ln in no_lines:
        api.call("POST", f"/v1/partner-reports/{no}/lines", NILS, expect=201, json=ln)
    api.call("GET", f"/v1/partner-reports/{se}", NORA, expect=404)  # the Norwegian controller: not its partner

    # Submitted: the Swedish report stores this month's SEK rate; the Norwegian one is in NOK.
    se_report = api.call("POST", f"/v1/partner-reports/{se}/submit", SVEA)
    stored = se_report["rates"]["SEK"]
    assert (Decimal(stored["units_per_eur"]), stored["month"]) == (SEK_PER_EUR, month)
    assert api.call("POST", f"/v1/partner-reports/{no}/submit", NILS)["rates"] is None

    # Control: two deductions with typologies and one parked line per report; the certificate by a second person.
    se_certified = controlled(api, se, se_lines, KARL, KERSTIN, deduct=(2, 8), park=(5,))
    no_certified = controlled(api, no, no_lines, NORA, OFFICER, deduct=(1, 14), park=(30,))
    se_total, no_total = certified_total(se_lines, se_certified), certified_total(no_lines, no_certified)
    assert (
        Decimal(api.call("GET", f"/v1/partner-reports/{se}", OFFICER)["totals"][0]["certified_total"]["amount"])
        == se_total
    )

    # Verified: one claim per fund, figures computed here from the lines.
    verified = project_report(api, aid, 1, se, no)
    expected = expected_claims(se_total, SEK_PER_EUR, no_total)
    assert {c["fund"]: Decimal(c["amount"]["amount"]) for c in verified["claims"]} == expected
    claims = {
        c["fund"]: c
        for c in api.call("GET", f"/v1/claims?commitment_id={commitment_id}", OFFICER, base=api.budget)["items"]
    }
    assert {f: Decimal(c["amount"]["amount"]) for f, c in claims.items()} == expected
    assert (claims["ERDF"]["amount"]["currency"], claims["NO-STATE"]["amount"]["currency"]) == ("EUR", "NOK")
    paid_with_four_eyes(api, list(claims.values()), commitment_id)

    # Period 2 (final): the parked lines come back, are certified, claimed and paid the same way.
    se2 = api.call("POST", f"/v1/projects/{aid}/partner-reports", SVEA, expect=201, json={"partner": 1, "period": 2})[
        "id"
    ]
    no2 = api.call("POST", f"/v1/projects/{aid}/partner-reports", NILS, expect=201, json={"partner": 2, "period": 2})[
        "id"
    ]
    se2_lines, no2_lines = [se_lines[4]], [no_lines[29]]
    assert [ln["parked_from"] for ln in api.call("GET", f"/v1/partner-reports/{se2}/lines", SVEA)["items"]] == [
        f"{se}:5"
    ]
    se2_rate = Decimal(api.call("POST", f"/v1/partner-reports/{se2}/submit", SVEA)["rates"]["SEK"]["units_per_eur"])
    api.call("POST", f"/v1/partner-reports/{no2}/submit", NILS)
    se2_total = certified_total(se2_lines, controlled(api, se2, se2_lines, KARL, KERSTIN))
    no2_total = certified_total(no2_lines, controlled(api, no2, no2_lines, NORA, OFFICER))
    final = project_report(api, aid, 2, se2, no2)
    assert final["final"] is True
    assert {c["fund"]: Decimal(c["amount"]["amount"]) for c in final["claims"]} == expected_claims(
        se2_total, se2_rate, no2_total
    )
    all_claims = api.call("GET", f"/v1/claims?commitment_id={commitment_id}", OFFICER, base=api.budget)["items"]
    paid_with_four_eyes(api, [c for c in all_claims if c["status"] == "submitted"], commitment_id)

    # Closure releases the rest: nothing remains on the commitment; the budget reconciles.
    api.call("POST", f"/v1/projects/{aid}/closure", OFFICER, json={"reason": "final report verified"})
    app = settled(
        f"{api.apps}/v1/applications/{aid}", OFFICER, lambda a: a["commitment_status"] == "released", timeout=60
    )
    assert (app["status"], app["commitment_status"]) == ("closed", "released"), app
    assert set(remainder(api, commitment_id).values()) == {Decimal("0.00")}
    reconciled = api.call("GET", f"/v1/programmes/{PROGRAMME}/budget/reconcile", ADMIN, base=api.budget)
    assert reconciled["consistent"] is True, reconciled
