"""A change request as the API answers it."""

from __future__ import annotations

from services.applications.projects.changes.models import ChangeRequest
from services.applications.projects.changes.schemas import ChangeMoney, ChangeRequestOut, FundMove


def change_out(cr: ChangeRequest) -> ChangeRequestOut:
    money = None
    if cr.money is not None:
        money = ChangeMoney(
            increase=[FundMove.model_validate(m) for m in cr.money.get("increase", [])],
            release=[FundMove.model_validate(m) for m in cr.money.get("release", [])],
            state=cr.money.get("state", "none"),
            detail=cr.money.get("detail"),
            facts=cr.money.get("facts") or {},
        )
    return ChangeRequestOut(
        id=cr.id,
        project_id=cr.application_id,
        number=cr.number,
        type=cr.type,
        status=cr.status,
        justification=cr.justification,
        diff=cr.diff,
        parts=cr.parts,
        sides=cr.sides,
        submitted=cr.submitted,
        base_version=cr.base_version,
        checked_version=cr.checked_version,
        eligible=(bool(cr.report.get("eligible")) if cr.report is not None else None),
        report=cr.report,
        flexibility=cr.flexibility,
        assessment=cr.assessment,
        decision=cr.decision,
        money=money,
        version=cr.version,
        created_by=cr.created_by,
        created_at=cr.created_at,
        updated_at=cr.updated_at,
    )
