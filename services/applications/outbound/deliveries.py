"""What the relay does with each message the applications service owes (`shared.outbox`):

- `eligibility.assess` → `POST /v1/checks/batch`, a relay's batch in one request and one transaction
  (`assessing.py`); the report is stored with the version and moves the application.
- `budget.commit` → `POST /v1/commitments` with this service's own token, the message's business key as
  Idempotency-Key, and the application's version (the budget keeps one active commitment per
  application version, whoever asks). Accepted: `commitment_status` active and the id recorded.
  Refused (409, no room): the application goes back to `eligible` with the budget's reason.
  Accepted also emits `se.interreg.application.committed` (`events.py`), in the same transaction.
- `budget.release` → `POST /v1/commitments/{id}/release` of all that remains (unpaid); released.
- `budget.claim` → `POST /v1/claims` (a verified project report's claim on one fund, its business key
  `project-report:<report>:<fund>` as the claim's `key` and Idempotency-Key): the claim id is recorded on
  the project report's claim (`submitted`). The budget's 409 (the key holds other figures) is permanent:
  recorded as `refused` with the budget's reason, never retried.
- `eligibility.check-change` → the change request's diff applied to the approved version as it is now,
  cost options computed again (the catalogue), `POST /v1/checks` at the project's submission instant;
  `changes/outcome.checked` stores the result and report (a diff that makes no valid budget is ineligible).
- `budget.increase` → `POST /v1/commitments/{id}/increases` naming the next version, key `change:<request>`:
  accepted applies the request, refused (409, no room) sends it back to `assessed` with the budget's figures.
- `budget.release-lines` → `POST …/release` with the lines that fell (in the programme's currency, at the
  rate the commitment's line of that fund and currency was made at) and the key `change:<request>:release`.

`send` only reads (short sessions) and calls; `settle` is the local effect, in the transaction that marks
the message done. A transient failure (an upstream down, 5xx, an answer it cannot read, a refusal that an
admin can cure such as a missing exchange rate) is retried with back-off by the relay.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.config import Settings
from services.applications.errors import InvalidApplication
from services.applications.intake.costs import priced
from services.applications.outbound import events
from services.applications.outbound.assessing import Assess
from services.applications.outbound.kinds import MessageKind
from services.applications.outbound.upstreams import Upstreams, priority_of, service_bearer
from services.applications.projects import repository as project_repo
from services.applications.projects.baseline import baseline_content
from services.applications.projects.changes import diff as changes
from services.applications.projects.changes import outcome
from services.applications.projects.changes import repository as change_repo
from services.applications.workflow.commitment import CommitmentEvent, move_commitment
from services.applications.workflow.moves import transition
from services.applications.workflow.submission import local_date
from services.applications.workflow.transitions import Action, Status
from shared.clients.budget import ClaimConflict, CommitmentRefused
from shared.clock import Clock
from shared.db import Database
from shared.money import Money, convert, round_minor
from shared.outbox import Handler, Message, Retry
from shared.schemas.applications import ApplicationContent
from shared.schemas.budget import (
    Claim,
    ClaimRequest,
    Commitment,
    CommitmentLineIn,
    CommitmentRequest,
    IncreaseRequest,
)

SYSTEM_BUDGET = "system:budget"


@dataclass
class Commit:
    db: Database
    up: Upstreams
    settings: Settings
    clock: Clock

    async def send(self, message: Message) -> Commitment | CommitmentRefused:
        p = message.payload
        priority = await priority_of(self.up.catalogue, p["programme"], p["specific_objective"])
        request = CommitmentRequest(
            programme=p["programme"],
            application_id=p["application_id"],
            application_version=p["application_version"],
            priority=priority,
            specific_objective=p["specific_objective"],
            call_id=uuid.UUID(p["call_id"]),
            reference=p["reference"],
            lines=[CommitmentLineIn.model_validate(line) for line in p["lines"]],
        )
        try:
            return await self.up.budget.commit(
                request, bearer=service_bearer(self.settings), idempotency_key=message.key
            )
        except CommitmentRefused as refused:
            return refused

    async def settle(self, session: AsyncSession, message: Message, result: Any) -> str:
        app = await repo.get(session, message.payload["application_id"], for_update=True)
        if app is None:
            return "gone"
        if isinstance(result, CommitmentRefused):
            move_commitment(app, CommitmentEvent.REFUSE)
            if app.status == Status.APPROVED:
                facts = ", ".join(f"{k} {v}" for k, v in result.facts.items())
                await transition(
                    session,
                    app,
                    Action.BUDGET_REFUSED,
                    actor=SYSTEM_BUDGET,
                    role="system",
                    at=self.clock(),
                    reason=f"the budget refused the commitment: {result.detail}" + (f" ({facts})" if facts else ""),
                    version=app.version,
                )
                app.decided_at = None
            await session.flush()
            return "refused"
        app.commitment_id = str(result.id)
        move_commitment(app, CommitmentEvent.ACCEPT)
        await events.application_event(session, app, events.EventType.COMMITTED, at=self.clock())
        await session.flush()
        return "delivered"


@dataclass
class Release:
    db: Database
    up: Upstreams
    settings: Settings

    async def send(self, message: Message) -> str | None:
        p = message.payload
        async with self.db.sessionmaker() as session:
            app = await repo.get(session, p["application_id"])
        if app is None or app.commitment_id is None:
            return None  # the commitment was refused (or the approval asked for no money): nothing to release
        await self.up.budget.release(
            app.commitment_id, reason=p["reason"], bearer=service_bearer(self.settings), idempotency_key=message.key
        )
        return app.commitment_id

    async def settle(self, session: AsyncSession, message: Message, result: Any) -> str:
        app = await repo.get(session, message.payload["application_id"], for_update=True)
        if app is not None:
            move_commitment(app, CommitmentEvent.RELEASE if result else CommitmentEvent.NOTHING_TO_RELEASE)
        await session.flush()
        return "delivered"


@dataclass
class SendClaim:
    up: Upstreams
    settings: Settings

    async def send(self, message: Message) -> Claim | ClaimConflict:
        request = ClaimRequest.model_validate(message.payload)
        try:
            return await self.up.budget.claim(
                request, bearer=service_bearer(self.settings), idempotency_key=message.key
            )
        except ClaimConflict as conflict:
            return conflict

    async def settle(self, session: AsyncSession, message: Message, result: Any) -> str:
        claim = await project_repo.claim_by_key(session, message.key)
        if claim is None:
            return "gone"
        if isinstance(result, ClaimConflict):
            claim.state, claim.detail = "refused", result.detail
            await session.flush()
            return "refused"
        claim.state, claim.claim_id = "submitted", str(result.id)
        await session.flush()
        return "delivered"


@dataclass
class CheckChange:
    db: Database
    up: Upstreams
    settings: Settings
    clock: Clock

    async def send(self, message: Message) -> tuple[ApplicationContent | None, dict[str, Any]]:
        p = message.payload
        async with self.db.sessionmaker() as session:
            cr = await change_repo.get(session, p["change_request_id"])
            app = await repo.get(session, cr.application_id) if cr is not None else None
            if cr is None or app is None:
                return None, {"eligible": False, "detail": "gone"}
            base = await baseline_content(session, app, p["version"])
        try:
            result = await priced(self.up.catalogue, changes.applied(changes.ChangeDiff.model_validate(cr.diff), base))
        except (InvalidApplication, ValueError) as invalid:
            return None, {"eligible": False, "detail": str(invalid), "results": []}
        at = app.submitted_at or self.clock()
        report = await self.up.eligibility.check(
            result, at=at, as_of=local_date(self.settings, at), accept_language=None
        )
        return result, report.model_dump(mode="json")

    async def settle(self, session: AsyncSession, message: Message, result: Any) -> str:
        content, report = result
        p = message.payload
        return await outcome.checked(session, p["change_request_id"], p["version"], content, report, at=self.clock())


@dataclass
class Increase:
    db: Database
    up: Upstreams
    settings: Settings
    clock: Clock

    async def send(self, message: Message) -> tuple[str, dict[str, Any]] | None:
        p = message.payload
        async with self.db.sessionmaker() as session:
            cr = await change_repo.get(session, p["change_request_id"])
            app = await repo.get(session, cr.application_id) if cr is not None else None
        if app is None:
            raise Retry("the change request's project is not stored")
        request = IncreaseRequest(
            key=message.key,
            application_version=app.version + 1,
            reason=p["reason"],
            lines=[CommitmentLineIn.model_validate(line) for line in p["lines"]],
        )
        try:
            await self.up.budget.increase(
                p["commitment_id"], request, bearer=service_bearer(self.settings), idempotency_key=message.key
            )
        except CommitmentRefused as refused:
            return refused.detail, refused.facts
        return None

    async def settle(self, session: AsyncSession, message: Message, result: Any) -> str:
        return await outcome.increased(session, message.payload["change_request_id"], result, at=self.clock())


@dataclass
class ReleaseLines:
    up: Upstreams
    settings: Settings

    async def send(self, message: Message) -> str:
        p = message.payload
        bearer = service_bearer(self.settings)
        commitment = next(
            (
                c
                for c in await self.up.budget.commitments(p["programme"], bearer=bearer)
                if str(c.id) == p["commitment_id"]
            ),
            None,
        )
        if commitment is None:
            return "gone"
        lines = []
        for line in p["lines"]:
            amount = Money.model_validate(line["amount"])
            made = next(
                (ln for ln in commitment.lines if ln.fund == line["fund"] and ln.amount.currency == amount.currency),
                None,
            )
            programme_currency = made.amount_programme.currency if made else amount.currency
            value = amount.amount
            if made is not None and made.rate is not None and amount.currency != programme_currency:
                value = round_minor(convert(value, units_per_eur=made.rate), programme_currency)
            lines.append(CommitmentLineIn(fund=line["fund"], amount=Money.of(value, programme_currency)))
        await self.up.budget.release(
            p["commitment_id"],
            reason=p["reason"],
            bearer=bearer,
            idempotency_key=message.key,
            lines=lines,
            key=message.key,
        )
        return "delivered"

    async def settle(self, session: AsyncSession, message: Message, result: Any) -> str:
        cr = await change_repo.get(session, message.payload["change_request_id"], for_update=True)
        if cr is not None and cr.money is not None:
            cr.money = {**cr.money, "released": result == "delivered"}
            await session.flush()
        return str(result)


def handlers(db: Database, up: Upstreams, settings: Settings, clock: Clock) -> dict[str, Handler]:
    """The one registry of message kinds: what the relay does with each (`kinds.MessageKind`)."""
    registry: dict[str, Handler] = {
        MessageKind.ASSESS: Assess(db, up, clock),
        MessageKind.COMMIT: Commit(db, up, settings, clock),
        MessageKind.RELEASE: Release(db, up, settings),
        MessageKind.CLAIM: SendClaim(up, settings),
        MessageKind.CHANGE_CHECK: CheckChange(db, up, settings, clock),
        MessageKind.INCREASE: Increase(db, up, settings, clock),
        MessageKind.RELEASE_LINES: ReleaseLines(up, settings),
    }
    missing = set(MessageKind) - set(registry)
    if missing:
        raise RuntimeError(f"message kinds without a handler: {sorted(missing)}")
    return registry
