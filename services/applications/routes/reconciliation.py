"""Tag `reconciliation`: do the applications and the budget agree (admin)?"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.applications.outbound import reconciliation
from services.applications.routes.dependencies import AppSettings, Db, Up
from services.applications.schemas.applications import Reconciliation
from shared.auth import Admin
from shared.problems import problem_responses
from shared.text import Bounded

TAG = {"name": "reconciliation", "description": "Approved applications against the budget's commitments (admin)"}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])


@router.get("/reconciliation", response_model=Reconciliation, responses=problem_responses(401, 403, 422, 503))
async def get_reconciliation(
    db: Db,
    up: Up,
    settings: AppSettings,
    principal: Admin,
    programme: Annotated[str, Bounded(64, min_length=1), Query(examples=["interreg-se-no-2021-2027"])],
) -> Reconciliation:
    """Every approved application of the programme against the budget's active project commitments,
    amount by amount: `missing-commitment`, `amount-mismatch`, `commitment-id-mismatch`,
    `orphan-commitment` (money held for an application that is not approved), `duplicate-commitment`,
    `unreleased`. What the outbox still owes is listed under `pending` (on its way, not a difference).
    Changes nothing; `python -m services.applications reconcile --repair`, run periodically, releases
    what no application holds. 503 when the budget cannot be asked."""
    return await reconciliation.reconcile(db, up, settings, programme)
