"""Commitments of approved applications, their increases by approved changes, releases and payments (officer or admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from services.budget import schemas as s
from services.budget.commitments import creation, increases, reads, releases
from services.budget.routes.dependencies import BudgetService, CommitmentId, CommitmentsCaller
from shared.app import DbSession
from shared.auth import Staff
from shared.idempotency import Answer, Idempotency
from shared.openapi import created
from shared.pagination import Page, Paging
from shared.problems import problem_responses
from shared.schemas import budget as wire
from shared.text import Bounded

router = APIRouter(prefix="/v1", tags=["commitments"])

COMMITMENT_EXAMPLE = {
    "programme": "interreg-se-no-2021-2027",
    "application_id": "5b0f6f0e-1d7e-4c1b-9a55-0d7f4c8f1a01",
    "priority": "1",
    "specific_objective": "1B",
    "reference": "SE-NO-2022-0001",
    "lines": [
        {"fund": "ERDF", "amount": {"amount": "390000.00", "currency": "EUR"}},
        {"fund": "NO-STATE", "amount": {"amount": "2500000.00", "currency": "NOK"}},
    ],
}
RELEASE_EXAMPLES = {
    "all": {"summary": "Release everything that remains", "value": {"reason": "Application withdrawn"}},
    "partial": {
        "summary": "Release part of one fund",
        "value": {
            "reason": "Budget revision",
            "lines": [{"fund": "ERDF", "amount": {"amount": "50000.00", "currency": "EUR"}}],
        },
    },
}


@router.post(
    "/commitments",
    status_code=201,
    response_model=wire.Commitment,
    responses={
        **problem_responses(401, 403, 409, 422, 503),
        200: {"description": "The application version's existing active commitment (asked again)"},
        **created("Committed; `Location` names the commitment"),
    },
)
async def create_commitment(
    idempotent: Idempotency,
    principal: CommitmentsCaller,
    service: BudgetService,
    body: Annotated[
        wire.CommitmentRequest,
        Body(
            openapi_examples={"approval": {"summary": "ERDF in EUR and NO-STATE in NOK", "value": COMMITMENT_EXAMPLE}}
        ),
    ],
) -> Response:
    """Commit money: all lines or none.

    On a priority with specific objectives (a project's money) only the applications service may commit
    (its own token, `BUDGET_APPLICATION_SERVICES`; 403 for anyone else): it does so when an officer
    approves an application, naming the approved `application_version` and the `call_id` (a call the
    catalogue has). One active commitment per (programme, application, version), enforced by the
    database: asking again returns the existing commitment with 200 (409 `commitment-exists` if it was
    made for other amounts). On a priority without specific objectives (technical assistance) an officer
    or admin commits the secretariat's own spending directly (`application_id` is then its case reference).

    Each line is converted to the programme's currency (the programme's fixed rate for the currency if
    it has one, else the monthly rate of this month, Europe/Brussels); the original and converted
    amounts are both kept. A line may repeat a fund in another currency. 409 `insufficient-funds` when a
    fund lacks room in the priority, naming `fund`, `priority`, `asked` and `available` (money) in the
    problem body; 422 for an unknown programme, priority, specific objective or fund (naming the field),
    for the `unallocated` reserve, and for a missing exchange rate (naming currency and month) — nothing
    is committed then. Never over-commits, whatever the concurrency. With an `Idempotency-Key` a retry
    returns the first result and changes nothing; the same key with another body gets 422.
    """
    session, now = idempotent.session, idempotent.at

    references = await service.references.current()  # before the session holds a connection

    async def work() -> Answer:
        await creation.check_call(service.catalogue, body)
        prepared = await creation.create_commitment(
            session,
            body,
            caller=principal,
            application_services=service.settings.application_services,
            now=now,
            rate_zone=service.settings.rate_zone,
            references=references,
        )
        # The balances are taken last, after the answer is recorded: their rows are locked to the commit only.
        return Answer(prepared.commitment, 201 if prepared.created else 200, finish=prepared.take_room)

    # A new commitment (not an application version's, which its savepoint INSERT writes in `work`) is
    # only read for until its last step: its key is claimed with its answer, in that step's statement.
    return await idempotent(
        status_code=201,
        headers=lambda b: {"Location": f"/v1/commitments/{b['id']}"},
        work=work,
        reads_only=body.application_version is None,
    )


@router.get("/commitments", response_model=Page[wire.Commitment], responses=problem_responses(401, 403, 422))
async def list_commitments(
    session: DbSession,
    principal: CommitmentsCaller,
    page: Paging,
    programme: Annotated[
        Annotated[str, Bounded(100, min_length=1)] | None, Query(description="Only this programme")
    ] = None,
    application_id: Annotated[
        Annotated[str, Bounded(100, min_length=1)] | None, Query(description="Only this application's commitments")
    ] = None,
) -> Page[wire.Commitment]:
    """Commitments, newest first (officer or admin), filtered by programme and/or application."""
    return await reads.list_commitments(session, page, programme=programme, application_id=application_id)


@router.get("/commitments/{commitment_id}", response_model=wire.Commitment, responses=problem_responses(401, 403, 404))
async def get_commitment(
    session: DbSession, principal: CommitmentsCaller, commitment_id: CommitmentId
) -> wire.Commitment:
    """One commitment with its lines: original and converted amounts, rate, released and paid (officer or admin)."""
    return await reads.get_commitment(session, commitment_id)


@router.post(
    "/commitments/{commitment_id}/release",
    response_model=wire.Commitment,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def release_commitment(
    idempotent: Idempotency,
    principal: CommitmentsCaller,
    service: BudgetService,
    commitment_id: CommitmentId,
    body: Annotated[wire.ReleaseRequest, Body(openapi_examples=RELEASE_EXAMPLES)],
) -> Response:
    """Release a commitment, wholly (omit `lines`) or partly per fund.

    The reason is required and goes on the ledger. Amounts are in the programme's currency; never more
    than remains (committed − released − paid − what the project's unpaid payment claims hold: that stays
    committed until they are paid) per fund → 409. The money becomes available again in
    the priority. Idempotent by business key, whoever asks: a release with a `key` already applied to the
    commitment, or of all that remains when nothing remains, returns the commitment unchanged. A
    project's commitment (one with an `application_version`) is released only by the applications
    service, when an officer terminates or closes the project (403 for anyone else); the secretariat's
    own commitments by an officer or admin. `Idempotency-Key` makes a retry safe too.
    """
    session, now = idempotent.session, idempotent.at
    return await idempotent(
        work=lambda: releases.release_commitment(
            session,
            commitment_id,
            body,
            actor=principal.sub,
            application_services=service.settings.application_services,
            now=now,
            rate_zone=service.settings.rate_zone,
        ),
    )


INCREASE_EXAMPLE = {
    "key": "change:5b0f6f0e-1d7e-4c1b-9a55-0d7f4c8f1a01:1",
    "application_version": 3,
    "reason": "Change 1: a Norwegian partner added",
    "lines": [{"fund": "NO-STATE", "amount": {"amount": "100000.00", "currency": "NOK"}}],
}


@router.post(
    "/commitments/{commitment_id}/increases",
    response_model=wire.Commitment,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def increase_commitment(
    idempotent: Idempotency,
    principal: CommitmentsCaller,
    service: BudgetService,
    commitment_id: CommitmentId,
    body: Annotated[
        wire.IncreaseRequest,
        Body(openapi_examples={"partner": {"summary": "A new partner's state funding", "value": INCREASE_EXAMPLE}}),
    ],
) -> Response:
    """Raise a project's commitment for an approved change of the project (the applications service only:
    403 for anyone else), all funds or none.

    Each fund's rise is a new line, converted as a commitment is, and takes room in the fund and the
    commitment's priority: 409 `insufficient-funds` naming `fund`, `priority`, `asked` and `available`
    when it lacks room — nothing changes then. The commitment then names the new `application_version`
    (422 unless later than the one it names; 409 `commitment-exists` when another active commitment
    names it). Idempotent by `key`: asked again, the commitment is answered unchanged. 409
    `commitment-released` for a released commitment, `not-a-project-commitment` for the secretariat's own.
    A decrease is a keyed partial release (`POST …/release` with `lines` and `key`).
    """
    session, now = idempotent.session, idempotent.at
    return await idempotent(
        work=lambda: increases.increase(
            session,
            commitment_id,
            body,
            actor=principal.sub,
            application_services=service.settings.application_services,
            now=now,
            rate_zone=service.settings.rate_zone,
        ),
    )


@router.post(
    "/commitments/{commitment_id}/payments",
    response_model=wire.Commitment,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def pay_commitment(
    idempotent: Idempotency,
    principal: Staff,
    service: BudgetService,
    commitment_id: CommitmentId,
    body: s.PaymentRequest,
) -> Response:
    """Record payments against the secretariat's own commitment (technical assistance), per fund (officer or admin).

    A project's commitment (one with an `application_version`) is paid only through its payment claims
    (`POST /v1/claims`, authorised and confirmed by two finance officers): here it is a 409
    `payments-through-claims` naming them. A payment in another currency converts like a commitment
    (fixed programme rate, else this month's rate). Never more than committed − released − paid per fund
    → 409. `Idempotency-Key` makes a retry safe.
    """
    session, now = idempotent.session, idempotent.at
    return await idempotent(
        work=lambda: releases.pay_commitment(
            session, commitment_id, body, actor=principal.sub, now=now, rate_zone=service.settings.rate_zone
        ),
    )
