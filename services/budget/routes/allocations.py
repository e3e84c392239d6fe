"""Sync from the catalogue, reallocations and reconciliation (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from services.budget import schemas as s
from services.budget.allocations import reallocate as reallocate_fund
from services.budget.ledger.reconciliation import reconcile as reconcile_programme
from services.budget.routes.dependencies import BudgetService, ProgrammeCode
from services.budget.sync import sync_catalogue
from shared.app import DbSession
from shared.auth import Admin
from shared.clock import Now
from shared.idempotency import Idempotency
from shared.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["allocations"])


@router.post("/sync", response_model=s.SyncReport, responses=problem_responses(401, 403, 503))
async def sync_programmes(session: DbSession, principal: Admin, service: BudgetService, now: Now) -> s.SyncReport:
    """Sync every programme's funds, allocations and fixed rates from the catalogue (admin).

    The same as `python -m services.budget sync`. Idempotent: funds already recorded are left as they
    are (an admin's reallocations survive); new funds are allocated by the programme's explicit
    allocations, else by priority shares (largest remainder), else to the `unallocated` reserve.
    """
    return await sync_catalogue(session, service.catalogue, now=now, rate_zone=service.settings.rate_zone)


@router.post(
    "/programmes/{programme}/reallocations",
    status_code=201,
    response_model=s.Reallocation,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def reallocate_budget(
    idempotent: Idempotency,
    principal: Admin,
    service: BudgetService,
    programme: ProgrammeCode,
    body: s.ReallocationRequest,
) -> Response:
    """Move an amount of a fund from one priority (or the `unallocated` reserve) to another (admin).

    Recorded on the ledger as two `reallocation` entries (minus on the source, plus on the target) with
    the reason and the admin; the fund's allocations still sum to its amount. 409 when the source has
    less available (allocated − committed) than the amount. `Idempotency-Key` makes a retry safe.
    """
    session, now = idempotent.session, idempotent.at
    return await idempotent(
        status_code=201,
        work=lambda: reallocate_fund(
            session, programme, body, actor=principal.sub, now=now, rate_zone=service.settings.rate_zone
        ),
    )


@router.get(
    "/programmes/{programme}/budget/reconcile",
    response_model=s.Reconciliation,
    responses=problem_responses(401, 403, 404),
)
async def reconcile_budget(session: DbSession, principal: Admin, programme: ProgrammeCode) -> s.Reconciliation:
    """Recompute every balance of the programme from the ledger and prove they agree (admin).

    `{"consistent": true, "checked_rows": n, "differences": [], …}`; a difference names fund, priority,
    column and both figures. It also compares, per project commitment and fund, the ledger's payments with
    the sum of its paid claims (`checked_claims`, `claim_differences`, naming commitment, fund and both).
    """
    return await reconcile_programme(session, programme)
