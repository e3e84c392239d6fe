"""The real resources schemathesis' cases are sent to: made through each service's own API once its lifespan
has started, so that the workflow's operations are reached with ids that exist, in the state each
operation acts on (a draft to submit, an assessed application to decide, a contracted project to report
on), not only with random ids that answer 404.

`Ids.for_operation` gives the path parameters of one operation; an operation whose template is not listed
keeps the ids by parameter name (`Ids.common`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from services.applications.tests.helpers import (
    ALICE,
    OLGA,
    PROGRAMME,
    assess,
    assessed,
    create,
    delivered,
    editing,
    gron,
    key,
    open_call,
    record_session,
)
from services.applications.tests.project_support import (
    SVEA,
    contract_body,
    line,
    register_controllers,
    report_with_lines,
    two_owner_body,
)
from services.catalogue.partners.schemas import ENTRY_EXAMPLE as PARTNER_ENTRY_EXAMPLE
from shared.schemas.examples import FIRST_CALL_2022
from tests.harness import auth

SERVICE = auth("officer", "service:applications")
ADMIN = auth("admin", "schemathesis")

APPROVED_ONLY = ("/terminate", "/close", "/revert", "/conditions", "/grant")
"""An approved application's own operations: they act on the spare approval (a termination there leaves the
contracted project to the project operations)."""
ASSESSED = ("/decision", "/return", "/assessors", "/assessments", "/eligibility", "/versions", "/invite")
"""The operations of an eligible, assessed application."""


@dataclass
class Ids:
    common: dict[str, str] = field(default_factory=dict)
    draft: str = ""
    eligible: str = ""
    approved: str = ""
    project: str = ""
    project_report: str = ""

    def for_operation(self, path: str) -> dict[str, str]:
        """The real path parameters of the operation at `path` (a template)."""
        out = dict(self.common)
        if "{application_id}" in path:
            if path.startswith("/v1/projects/"):
                out["application_id"] = self.project
            elif any(part in path for part in APPROVED_ONLY):
                out["application_id"] = self.approved
            elif any(part in path for part in ASSESSED):
                out["application_id"] = self.eligible
            else:
                out["application_id"] = self.draft
        if path.startswith("/v1/project-reports/"):
            out["report_id"] = self.project_report
        return out


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test", timeout=60)


async def seed_catalogue(ids: Ids) -> None:
    ids.common.update(programme=PROGRAMME, call_id=str(FIRST_CALL_2022), code="1A")


async def seed_partner_search(app: FastAPI, ids: Ids) -> None:
    """A published partner-search entry (its author the admin principal, so the admin run may withdraw it)."""
    async with _client(app) as client:
        r = await client.post("/v1/partner-search/entries", json=PARTNER_ENTRY_EXAMPLE, headers={**ADMIN, **key()})
        assert r.status_code == 201, r.text
        ids.common.update(entry_id=r.json()["id"])


async def seed_eligibility(ids: Ids) -> None:
    ids.common.update(rule_set_id=PROGRAMME, version="1")


async def subscribe(client: httpx.AsyncClient, ids: Ids) -> None:
    """A webhook subscription (its relay does not run here: nothing is sent), whose first delivery the
    events of the world's steps make."""
    body = {"integrator": "schemathesis", "url": "https://hooks.example.com/in", "event_types": []}
    r = await client.post("/v1/webhooks/subscriptions", json=body, headers={**ADMIN, **key()})
    assert r.status_code == 201, r.text
    ids.common.update(subscription_id=r.json()["id"], delivery_id="1")


async def seed_budget(app: FastAPI, ids: Ids, commitment: dict[str, Any], claim: dict[str, Any]) -> None:
    """A commitment as the applications service makes it, and a payment claim on it; a webhook subscription."""
    async with _client(app) as budget:
        await subscribe(budget, ids)
        r = await budget.post("/v1/commitments", json=commitment, headers=SERVICE)
        assert r.status_code == 201, r.text
        commitment_id = r.json()["id"]
        r = await budget.post("/v1/claims", json={**claim, "commitment_id": commitment_id}, headers=SERVICE)
        assert r.status_code == 201, r.text
        ids.common.update(programme=PROGRAMME, commitment_id=commitment_id, claim_id=r.json()["id"])
        ids.common.update(currency="NOK", month="2024-05")


async def seed_applications(app: FastAPI, catalogue: FastAPI, ids: Ids) -> None:
    """A draft in an open call; an eligible application assessed by two officers; two applications approved in one committee
    session, one of them contracted with its controllers and a partner report of one line; a webhook
    subscription that their events are owed to."""
    async with _client(app) as client, _client(catalogue) as cat:
        await subscribe(client, ids)
        call_id = await open_call(cat)
        ids.draft = (await create(client, gron(call_id)))["id"]
        ids.eligible = (await create(client, gron(call_id)))["id"]
        after = await assessed(client, app, ids.eligible)
        assert after["status"] == "eligible", after
        await assess(client, ids.eligible)
        approvals = []
        for _ in range(2):
            aid = (await create(client, two_owner_body(call_id), ALICE))["id"]
            after = await assessed(client, app, aid)
            assert after["status"] == "eligible", after
            await assess(client, aid)
            approvals.append(aid)
        decisions = [{"application_id": aid, "decision": "approved"} for aid in approvals]
        r = await record_session(client, call_id, decisions)
        assert r.status_code == 201, r.text
        session_id = r.json()["id"]
        await delivered(app)
        ids.project, ids.approved = approvals
        await register_controllers(client)
        contract = f"/v1/projects/{ids.project}/contract"
        r = await client.put(
            contract, json=contract_body(), headers=await editing(client, f"/v1/projects/{ids.project}", OLGA)
        )
        assert r.status_code == 200, r.text
        r = await client.post(f"/v1/projects/{ids.project}/contracting", headers={**OLGA, **key()})
        assert r.status_code == 200, r.text
        report = await report_with_lines(client, ids.project, 1, 1, [line("staff", "1000.00", "EUR", 1)])
        r = await client.post(
            f"/v1/projects/{ids.project}/project-reports",
            json={"period": 1, "progress": "joint"},
            headers={**SVEA, **key()},
        )
        assert r.status_code == 201, r.text
        ids.project_report = r.json()["id"]
        change = {"type": "content", "justification": "A clearer summary.", "diff": {"summary": {"en": "Clearer."}}}
        r = await client.post(f"/v1/projects/{ids.project}/change-requests", json=change, headers={**SVEA, **key()})
        assert r.status_code == 201, r.text
        change_request = r.json()["id"]
        r = await client.get("/v1/outbox", params={"limit": 1}, headers=ADMIN)
        assert r.status_code == 200 and r.json()["items"], r.text
        ids.common.update(
            programme=PROGRAMME,
            session_id=session_id,
            report_id=report,
            number="1",
            sub="karl",
            message_id=str(r.json()["items"][0]["id"]),
            request_id=change_request,
        )
