"""What an approval grants: the money as asked, or less (a committee's reduced grant), per partner and fund.

A reduced grant names, per partner (organisation number) and fund (ERDF, NO-STATE), the amount granted, in
the currency the partner asked in and never more than it asked. The difference is taken up by one of the
partner's other financing lines (`covered_by`, by default its first own-financing line), so each partner's
financing still covers its budget exactly; the eligibility rules are then run again on the financing as
granted (for the instant of the submission, as the assessment was: the co-financing caps, the partners'
own shares and the balance are the rules' to judge), and a grant they fail is refused (409
`grant-not-eligible`, naming the rules). The approval records every line granted against asked (`grants`),
its commitment is the money as granted, and the State-aid report counts the aid as granted.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.errors import GrantNotEligible, InvalidApplication, VersionNotFound
from services.applications.intake.content import REQUESTED_FUNDS
from services.applications.models import Application, Grant
from services.applications.outbound.upstreams import Upstreams
from services.applications.schemas.assessment import GrantedAmount, GrantLineOut, GrantOut
from services.applications.workflow.access import load_visible
from shared.auth import Principal
from shared.db import Database
from shared.money import Money, decimal_str
from shared.problems import FieldError
from shared.schemas.applications import ApplicationContent, FinancingLine, FinancingSource
from shared.schemas.eligibility import Report, RuleResult, RuleSetRef

OWN = ("own-public", "own-private")


def asked_content(document: str) -> ApplicationContent:
    """The content of a submitted version (its stored document)."""
    return ApplicationContent.model_validate(json.loads(document)["content"])


def _refuse(reference: str, message: str) -> InvalidApplication:
    return InvalidApplication(
        f"{reference}: {message}", errors=[FieldError(field="decisions.granted", message=message)]
    )


def reduce(reference: str, asked: ApplicationContent, granted: list[GrantedAmount]) -> ApplicationContent:
    """`asked` with each partner's fund at the amount granted, the difference in its `covered_by` line."""
    content = asked.model_copy(deep=True)
    for g in granted:
        partner = next((p for p in content.partners if p.organisation_number == g.organisation_number), None)
        if partner is None:
            raise _refuse(reference, f"no partner has the organisation number {g.organisation_number}")
        lines = [f for f in partner.financing if f.source == g.fund]
        if not lines:
            raise _refuse(reference, f"{partner.name} asked for no {g.fund}")
        currency = lines[0].amount.currency
        asked_amount = sum((f.amount.amount for f in lines), Decimal(0))
        if g.amount.currency != currency:
            raise _refuse(reference, f"{partner.name} asked for {g.fund} in {currency}, not {g.amount.currency}")
        if g.amount.amount > asked_amount:
            raise _refuse(
                reference,
                f"{partner.name} is granted {decimal_str(g.amount.amount)} {currency} of {g.fund}, more than the "
                f"{decimal_str(asked_amount)} {currency} it asked",
            )
        cover_source: FinancingSource | None = g.covered_by or next(
            (f.source for f in partner.financing if f.source in OWN), None
        )
        if cover_source is None or cover_source in REQUESTED_FUNDS:
            raise _refuse(reference, f"{partner.name} has no own financing: name the line that covers the rest")
        rest = [f for f in partner.financing if f.source != g.fund]
        cover = next((f for f in rest if f.source == cover_source), None)
        difference = asked_amount - g.amount.amount
        if cover is None:
            rest.append(FinancingLine(source=cover_source, amount=Money.of(difference, currency)))
        else:
            cover.amount = Money.of(cover.amount.amount + difference, cover.amount.currency)
        partner.financing = [FinancingLine(source=g.fund, amount=g.amount), *rest]
    return content


def lines(asked: ApplicationContent, granted: ApplicationContent) -> list[dict[str, Any]]:
    """Per partner and fund of programme money: asked and granted (money as strings)."""
    out = []
    for before, after in zip(asked.partners, granted.partners, strict=True):
        for fund in REQUESTED_FUNDS:
            was = [f.amount for f in before.financing if f.source == fund]
            now = [f.amount for f in after.financing if f.source == fund]
            if not was:
                continue
            currency = was[0].currency
            out.append(
                {
                    "organisation_number": before.organisation_number,
                    "partner": before.name,
                    "fund": fund,
                    "asked": Money.of(sum((m.amount for m in was), Decimal(0)), currency).model_dump(mode="json"),
                    "granted": Money.of(sum((m.amount for m in now), Decimal(0)), currency).model_dump(mode="json"),
                }
            )
    return out


def require_eligible(reference: str, report: Report) -> None:
    """409 naming the rules that the financing as granted fails."""
    failed = [r for r in report.results if not r.passed and r.severity == "error"]
    if failed:
        raise GrantNotEligible(
            f"{reference}: as granted, the financing fails "
            + "; ".join(f"{r.rule}: {r.message}" for r in failed)
            + "; nothing was recorded",
            rules=[r.rule for r in failed],
        )


def record(
    session: AsyncSession,
    app: Application,
    *,
    asked: ApplicationContent,
    granted: ApplicationContent,
    state_aid: Report | None,
    session_id: str | None,
    at: dt.datetime,
) -> None:
    """Record what the application's current approval granted (after `owe_commitment` counted it)."""
    repo.add_grant(
        session,
        Grant(
            application_id=app.id,
            approval=app.approvals,
            version=app.version,
            lines=lines(asked, granted),
            content=granted.model_dump(mode="json"),
            state_aid={
                "rule_set": state_aid.rule_set.model_dump(mode="json") if state_aid else None,
                "results": [r.model_dump(mode="json") for r in state_aid.results] if state_aid else [],
            },
            session_id=session_id,
            recorded_at=at,
        ),
    )


async def version_content(session: AsyncSession, app: Application) -> ApplicationContent:
    version = await repo.get_version(session, app.id, app.version)
    if version is None:  # an eligible application has its submitted version
        raise VersionNotFound(f"the application {app.id} has no submitted version")
    return asked_content(version.document)


async def read_grant(session: AsyncSession, principal: Principal, application_id: str) -> GrantOut:
    """What the current approval of the application granted against what was asked (404 before one)."""
    app = await load_visible(session, principal, application_id)
    grant = (await repo.grants(session, [app]) if app.approvals else {}).get(app.id)
    if grant is None:
        raise VersionNotFound(f"the application {app.reference or app.id} has no recorded grant")
    rows = [GrantLineOut.model_validate(x) for x in grant.lines]
    rule_set = grant.state_aid.get("rule_set")
    return GrantOut(
        application_id=UUID(app.id),
        approval=grant.approval,
        version=grant.version,
        session_id=UUID(grant.session_id) if grant.session_id else None,
        recorded_at=grant.recorded_at,
        reduced=any(r.granted.amount < r.asked.amount for r in rows),
        lines=rows,
        state_aid=[RuleResult.model_validate(r) for r in grant.state_aid.get("results", [])],
        rule_set=RuleSetRef.model_validate(rule_set) if rule_set else None,
    )


async def prepare_approvals(
    db: Database,
    up: Upstreams,
    approvals: list[tuple[Application, list[GrantedAmount]]],
    *,
    accept_language: str | None,
    timezone: ZoneInfo,
) -> tuple[dict[str, ApplicationContent], dict[str, ApplicationContent]]:
    """(asked, granted) content per approved application: its submitted version, and the financing as granted
    (reduced and checked by the eligibility rules for the instant of its submission) or as asked."""
    async with db.sessionmaker() as session:
        asked = {app.id: await version_content(session, app) for app, _ in approvals}
    granted: dict[str, ApplicationContent] = {}
    for app, amounts in approvals:
        reference = app.reference or app.id
        if not amounts:
            granted[app.id] = asked[app.id]
            continue
        content = reduce(reference, asked[app.id], amounts)
        at = app.submitted_at or app.updated_at
        report = await up.eligibility.check(
            content, at=at, as_of=at.astimezone(timezone).date(), accept_language=accept_language
        )
        require_eligible(reference, report)
        granted[app.id] = content
    return asked, granted
