"""Payment claims on a project's commitment: made by the applications service, authorised by one finance
officer and confirmed (paid) by another; the corrections of paid claims, set off or recovered."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Response

from services.budget.claims import corrections, creation, payment, reads
from services.budget.routes.dependencies import BudgetService
from shared.app import DbSession
from shared.auth import Finance, Principal, require_roles
from shared.idempotency import Answer, Idempotency
from shared.openapi import created
from shared.pagination import Page, Paging
from shared.problems import problem_responses
from shared.schemas import budget as wire
from shared.text import Bounded, CodeText

router = APIRouter(prefix="/v1", tags=["claims"])

ClaimId = Annotated[uuid.UUID, Path(description="The claim's id")]
Readers = Annotated[Principal, Depends(require_roles("officer", "finance", "admin", scope="budget:claims"))]
ClaimsCaller = Annotated[Principal, Depends(require_roles("officer", "admin", scope="budget:claims"))]
"""The applications service's own token (scope `budget:claims`; its subject in `BUDGET_APPLICATION_SERVICES`)."""
"""Who reads claims: officers, finance officers and admins."""

CLAIM_EXAMPLES = {
    "erdf": {
        "summary": "The ERDF claim of a verified project report, in EUR",
        "value": {
            "key": "project-report:4f1c2b8e-3a1d-4e5f-9a0b-1c2d3e4f5a6b:ERDF",
            "commitment_id": "0b7e4f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
            "fund": "ERDF",
            "amount": {"amount": "65000.00", "currency": "EUR"},
            "certified": {"amount": "100000.00", "currency": "EUR"},
            "co_financing_rate": "0.65",
            "project_report_id": "4f1c2b8e-3a1d-4e5f-9a0b-1c2d3e4f5a6b",
            "period": 1,
        },
    },
    "no-state": {
        "summary": "The NO-STATE claim of the same report, in NOK",
        "value": {
            "key": "project-report:4f1c2b8e-3a1d-4e5f-9a0b-1c2d3e4f5a6b:NO-STATE",
            "commitment_id": "0b7e4f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
            "fund": "NO-STATE",
            "amount": {"amount": "250000.00", "currency": "NOK"},
            "certified": {"amount": "500000.00", "currency": "NOK"},
            "co_financing_rate": "0.50",
            "project_report_id": "4f1c2b8e-3a1d-4e5f-9a0b-1c2d3e4f5a6b",
            "period": 1,
            "final": True,
        },
    },
}


@router.post(
    "/claims",
    status_code=201,
    response_model=wire.Claim,
    responses={
        **problem_responses(401, 403, 404, 409, 422),
        200: {"description": "The claim of this key, asked again with its figures"},
        **created("Claimed; `Location` names the claim"),
    },
)
async def create_claim(
    idempotent: Idempotency,
    principal: ClaimsCaller,
    service: BudgetService,
    body: Annotated[wire.ClaimRequest, Body(openapi_examples=CLAIM_EXAMPLES)],
) -> Response:
    """Claim a fund's share of a verified project report on the project's commitment.

    Only the applications service asks (its own token, `BUDGET_APPLICATION_SERVICES`; 403 for anyone
    else), through its outbox. Idempotent by the business key `key`, whoever asks: the same key with the
    same figures returns the existing claim (200), with other figures 409 `claim-exists`. The claim is in
    the commitment line's currency (ERDF lines in EUR, NO-STATE lines in NOK: 422 naming `amount.currency`
    otherwise; 422 naming `fund` for a fund the commitment lacks); its `amount` is `asked` capped by what
    remains to claim on the line (committed − released − paid − held by the other unpaid claims), and
    `capped` says so. 404 for an unknown commitment; 409 `commitment-released` for a released one, 409
    `not-a-project-commitment` for the secretariat's own (technical assistance pays directly), 409
    `nothing-to-claim` when nothing remains. `Idempotency-Key` makes a retry safe too.
    """
    session, now = idempotent.session, idempotent.at

    async def work() -> Answer:
        made = await creation.create_claim(
            session, body, actor=principal.sub, application_services=service.settings.application_services, now=now
        )
        return Answer(made.claim, 201 if made.created else 200)

    return await idempotent(status_code=201, headers=lambda b: {"Location": f"/v1/claims/{b['id']}"}, work=work)


@router.get("/claims", response_model=Page[wire.Claim], responses=problem_responses(401, 403, 422))
async def list_claims(
    session: DbSession,
    principal: Readers,
    page: Paging,
    programme: Annotated[
        Annotated[str, Bounded(100, min_length=1)] | None, Query(description="Only this programme")
    ] = None,
    commitment_id: Annotated[uuid.UUID | None, Query(description="Only this commitment's claims")] = None,
    status: Annotated[wire.ClaimStatus | None, Query(description="Only claims in this state")] = None,
    fund: Annotated[CodeText | None, Query(description="Only this fund's claims")] = None,
) -> Page[wire.Claim]:
    """Payment claims, newest first (officer, finance or admin), filtered by programme, commitment, status, fund."""
    return await reads.list_claims(
        session, page, programme=programme, commitment_id=commitment_id, status=status, fund=fund
    )


@router.get("/claims/{claim_id}", response_model=wire.Claim, responses=problem_responses(401, 403, 404))
async def get_claim(session: DbSession, principal: Readers, claim_id: ClaimId) -> wire.Claim:
    """One payment claim with its history: who authorised and confirmed it, and when (officer, finance or admin)."""
    return await reads.get_claim(session, claim_id)


@router.post(
    "/claims/{claim_id}/authorisation",
    response_model=wire.Claim,
    responses=problem_responses(401, 403, 404, 409),
)
async def authorise_claim(idempotent: Idempotency, principal: Finance, claim_id: ClaimId) -> Response:
    """Authorise a submitted claim's payment (finance): records who and when; 409 naming the state otherwise."""
    session, now = idempotent.session, idempotent.at
    return await idempotent(work=lambda: payment.authorise(session, claim_id, actor=principal.sub, now=now))


@router.post(
    "/claims/{claim_id}/confirmation",
    response_model=wire.Claim,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def confirm_claim(
    idempotent: Idempotency, principal: Finance, service: BudgetService, claim_id: ClaimId
) -> Response:
    """Confirm an authorised claim's payment (finance; another person than the authoriser: 403 `four-eyes`).

    Posts one `payment` on the ledger against the project's commitment, converted to the programme's
    currency as every payment is (the programme's fixed rate, else this month's), in the same transaction
    as the claim becomes `paid`: exactly once, whatever retries (`Idempotency-Key` replays the answer; a
    second confirmation is a 409 naming the state) or races. Never more than remains on the line (409
    `nothing-to-claim`).
    """
    session, now = idempotent.session, idempotent.at
    return await idempotent(
        work=lambda: payment.confirm(
            session, claim_id, actor=principal.sub, now=now, rate_zone=service.settings.rate_zone
        )
    )


CorrectionId = Annotated[uuid.UUID, Path(description="The correction's id")]
Officers = Annotated[Principal, Depends(require_roles("officer", "admin"))]
"""Who records a correction: the secretariat's officers (and admins)."""
Settlers = Annotated[Principal, Depends(require_roles("finance", "officer", "admin"))]
"""Who records that a recovery came back: finance, officers, admins (never the correction's recorder)."""

CORRECTION_EXAMPLES = {
    "set-off": {
        "summary": "An audit finding on a paid ERDF claim, set off against the next claim",
        "value": {
            "amount": {"amount": "12345.67", "currency": "EUR"},
            "typology": "public-procurement",
            "origin": "audit",
            "description": "Direct award above the threshold",
            "effect": "next-claim",
        },
    },
    "recovery": {
        "summary": "A Commission finding with fraud suspected, recovered from the owner",
        "value": {
            "amount": {"amount": "50000.00", "currency": "NOK"},
            "typology": "ineligible-cost",
            "origin": "commission",
            "flags": ["fraud-suspected"],
            "effect": "recovery",
            "due_date": "2027-03-31",
        },
    },
}


@router.post(
    "/claims/{claim_id}/corrections",
    status_code=201,
    response_model=wire.Correction,
    responses={
        **problem_responses(401, 403, 404, 409, 422),
        **created("Recorded; `Location` names the correction"),
    },
)
async def record_correction(
    idempotent: Idempotency,
    principal: Officers,
    claim_id: ClaimId,
    body: Annotated[wire.CorrectionRequest, Body(openapi_examples=CORRECTION_EXAMPLES)],
) -> Response:
    """Record a financial correction of a paid claim (officer): the ineligible amount in the claim's currency,
    its typology, origin (control, audit, the Commission) and flags, and its effect — `next-claim` (the next
    claim on the same commitment and fund pays that much less) or `recovery` (a recovery order with its
    `due_date`, settled when the money comes back). 409 `correction-state` for a claim not paid, or a set-off
    on a released commitment (no claim follows: order a recovery); 422 naming
    `amount` beyond what the claim paid beside its other corrections, `amount.currency` other than the
    claim's, `due_date` missing on a recovery or given on a set-off.
    """
    session, now = idempotent.session, idempotent.at
    return await idempotent(
        status_code=201,
        headers=lambda b: {"Location": f"/v1/corrections/{b['id']}"},
        work=lambda: corrections.record(session, claim_id, body, actor=principal.sub, now=now),
    )


@router.get("/corrections", response_model=Page[wire.Correction], responses=problem_responses(401, 403, 422))
async def list_corrections(
    session: DbSession,
    principal: Readers,
    page: Paging,
    commitment_id: Annotated[uuid.UUID | None, Query(description="Only this commitment's corrections")] = None,
    claim_id: Annotated[uuid.UUID | None, Query(description="Only the corrections of this claim")] = None,
    status: Annotated[wire.CorrectionStatus | None, Query(description="Only corrections in this state")] = None,
) -> Page[wire.Correction]:
    """Corrections of paid claims, newest first (officer, finance or admin): open, set off, settled."""
    return await corrections.list_corrections(
        session, page, commitment_id=commitment_id, claim_id=claim_id, status=status
    )


@router.get("/corrections/{correction_id}", response_model=wire.Correction, responses=problem_responses(401, 403, 404))
async def get_correction(session: DbSession, principal: Readers, correction_id: CorrectionId) -> wire.Correction:
    """One correction: its figures, effect, the claim it is set off against, who settled it and when."""
    return await corrections.get(session, correction_id)


@router.post(
    "/corrections/{correction_id}/settlement",
    response_model=wire.Correction,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def settle_correction(
    idempotent: Idempotency,
    principal: Settlers,
    service: BudgetService,
    correction_id: CorrectionId,
    body: wire.SettlementRequest,
) -> Response:
    """The money of an open recovery order came back: one `recovery` on the ledger lowers the fund's paid by
    the correction (in the programme's currency, at its claim's proportion) and gives it back to the
    commitment (released with it if the commitment is released). Four eyes: another person than the
    officer who recorded it (403 `four-eyes-settlement`); 409 `correction-state` for a set-off or a settled one.
    """
    session, now = idempotent.session, idempotent.at
    return await idempotent(
        work=lambda: corrections.settle(
            session, correction_id, body, actor=principal.sub, now=now, rate_zone=service.settings.rate_zone
        )
    )
