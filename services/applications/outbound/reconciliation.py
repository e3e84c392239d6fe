"""Do the applications and the budget agree? Approved applications against the budget's project
commitments, amount by amount (`GET /v1/reconciliation`, `python -m services.applications reconcile`).

For each application of the programme that holds, or owes, project money:

- `missing-commitment` — approved with its commitment delivered (`active`), yet the budget has no active
  commitment for its version.
- `amount-mismatch` — the active commitment's lines (summed per fund and currency) are not the approved
  version's programme money. A project's commitment is the one its application names, whichever version it
  names (an approved change that raised nothing makes a version the budget never hears of).
- `commitment-id-mismatch` — the application names another commitment than the budget's active one.
- `orphan-commitment` — an active commitment for an application that is not approved (rejected, never
  approved, another version, unknown) and owes no release.
- `duplicate-commitment` — an application with more than one active commitment.
- `unreleased` — a terminated or closed project whose release was delivered, yet money remains committed.

What the outbox still owes (a commitment or release not yet delivered) is listed as `pending`, not as a
difference: it is on its way. `--repair` (the CLI, run periodically) gives back what no application
holds — orphans, duplicates, unreleased remainders — through the budget's keyed release, so running it
twice releases nothing twice. Missing commitments and mismatched amounts are reported for a person.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.config import Settings
from services.applications.intake.content import commitment_lines
from services.applications.outbound.kinds import MessageKind
from services.applications.outbound.upstreams import Upstreams, service_bearer
from services.applications.projects.changes import repository as change_repo
from services.applications.schemas.applications import Difference, Reconciliation
from services.applications.workflow.commitment import CommitmentStatus
from services.applications.workflow.transitions import Status
from shared.db import Database
from shared.schemas.applications import ApplicationContent
from shared.schemas.budget import Commitment

log = structlog.get_logger("reconciliation")

Lines = list[tuple[str, str, Decimal]]
RELEASABLE = {"orphan-commitment", "duplicate-commitment", "unreleased"}


def _held(c: Commitment, less: dict[tuple[str, str], Decimal] | None = None) -> Lines:
    """Per fund and currency, what the commitment was made for: its lines summed (an approved change's
    increase is a line of its own beside the approval's), `less` what approved changes released of it."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for ln in c.lines:
        sums[(ln.fund, ln.amount.currency)] += ln.amount.amount
    for k, amount in (less or {}).items():
        sums[k] -= amount
    return sorted((fund, currency, amount) for (fund, currency), amount in sums.items() if amount != 0)


def _remaining(c: Commitment) -> Decimal:
    """What stays committed beyond what is released, paid and held by unpaid payment claims (a closed
    project's claims submitted before its closure stay payable: the release leaves their money)."""
    return sum(
        (
            ln.amount_programme.amount - ln.released.amount - ln.paid.amount - (ln.held.amount if ln.held else 0)
            for ln in c.lines
        ),
        Decimal(0),
    )


async def _expected(session: AsyncSession, application_id: str, version: int) -> Lines:
    stored = await repo.get_version(session, application_id, version)
    if stored is None:
        return []
    content = ApplicationContent.model_validate(json.loads(stored.document)["content"])
    return sorted((ln.fund, ln.amount.currency, ln.amount.amount) for ln in commitment_lines(content))


def _fmt(lines: Lines) -> list[str]:
    return [f"{fund} {amount} {currency}" for fund, currency, amount in lines]


async def reconcile(db: Database, up: Upstreams, settings: Settings, programme: str) -> Reconciliation:
    """Compare, list every difference and what is pending; change nothing."""
    commitments = [
        c
        for c in await up.budget.commitments(programme, bearer=service_bearer(settings))
        if c.application_version is not None
    ]
    active: dict[str, list[Commitment]] = defaultdict(list)
    for c in commitments:
        if c.status != "released":
            active[c.application_id].append(c)
    differences: list[Difference] = []
    pending: dict[str, list[str]] = {}
    async with db.sessionmaker() as session:
        apps = {a.id: a for a in await repo.holding_money(session, programme, list(active))}
        owed = await repo.pending_by_application(session, list(apps))
        for app in apps.values():
            if owed.get(app.id):
                pending[app.id] = owed[app.id]
            held = active.get(app.id, [])
            # A project's commitment names the version it was made or last raised for; an approved change that
            # raised nothing made a later version the commitment does not name, and the application names it.
            mine = [
                c
                for c in held
                if app.status == Status.APPROVED
                and (c.application_version == app.version or str(c.id) == app.commitment_id)
            ]
            if app.status == Status.APPROVED and app.commitment_status == CommitmentStatus.ACTIVE:
                expected = await _expected(session, app.id, app.version)
                if not mine:
                    differences.append(
                        Difference(
                            kind="missing-commitment",
                            application_id=app.id,
                            reference=app.reference,
                            detail=f"approved version {app.version} has no active commitment in the budget",
                            expected=_fmt(expected),
                        )
                    )
                changed = await change_repo.released(session, app.id)
                for c in mine[:1]:
                    if _held(c, changed) != expected:
                        differences.append(
                            Difference(
                                kind="amount-mismatch",
                                application_id=app.id,
                                reference=app.reference,
                                commitment_id=str(c.id),
                                detail="the commitment's lines are not the approved version's programme money",
                                expected=_fmt(expected),
                                actual=_fmt(_held(c, changed)),
                            )
                        )
                    if app.commitment_id != str(c.id):
                        differences.append(
                            Difference(
                                kind="commitment-id-mismatch",
                                application_id=app.id,
                                reference=app.reference,
                                commitment_id=str(c.id),
                                detail=f"the application names commitment {app.commitment_id}",
                            )
                        )
            for c in held:
                if c in mine[:1]:
                    continue
                if c in mine or (app.status == Status.APPROVED and c.application_version == app.version):
                    kind, detail = "duplicate-commitment", "a second active commitment of the approved version"
                elif (
                    app.status in (Status.TERMINATED, Status.CLOSED)
                    and app.commitment_status == CommitmentStatus.RELEASED
                ):
                    if _remaining(c) == 0:
                        continue
                    kind, detail = "unreleased", f"the project is {app.status}; {_remaining(c)} remains committed"
                elif MessageKind.RELEASE in owed.get(app.id, []) or MessageKind.COMMIT in owed.get(app.id, []):
                    continue  # on its way
                else:
                    kind, detail = "orphan-commitment", f"the application is {app.status} (version {app.version})"
                differences.append(
                    Difference(
                        kind=kind,
                        application_id=app.id,
                        reference=app.reference,
                        commitment_id=str(c.id),
                        detail=detail,
                        actual=_fmt(_held(c)),
                    )
                )
    for application_id, held in active.items():
        if application_id not in apps:
            differences.extend(
                Difference(
                    kind="orphan-commitment",
                    application_id=application_id,
                    commitment_id=str(c.id),
                    detail="the applications service has no such application",
                    actual=_fmt(_held(c)),
                )
                for c in held
            )
    return Reconciliation(
        programme=programme,
        consistent=not differences,
        applications=len(apps),
        commitments=len(commitments),
        pending=pending,
        differences=differences,
    )


async def repair(db: Database, up: Upstreams, settings: Settings, programme: str) -> Reconciliation:
    """Reconcile, release what no application holds (keyed: twice releases nothing twice), and answer
    the reconciliation made before, each difference marked `repaired` where it was."""
    found = await reconcile(db, up, settings, programme)
    for difference in found.differences:
        if difference.kind in RELEASABLE and difference.commitment_id:
            await up.budget.release(
                difference.commitment_id,
                reason=f"reconciliation: {difference.kind}: {difference.detail}",
                bearer=service_bearer(settings),
                idempotency_key=f"reconcile:{difference.commitment_id}",
            )
            difference.repaired = True
    return found


async def reconcile_all(db: Database, up: Upstreams, settings: Settings, *, repairing: bool) -> list[Reconciliation]:
    """Every programme with an application that holds or owes money, reconciled (and, `repairing`,
    repaired): the `reconcile --all` command, run by one CronJob or compose service, never by the API."""
    async with db.sessionmaker() as session:
        programmes = await repo.programmes_holding_money(session)
    run = repair if repairing else reconcile
    return [await run(db, up, settings, programme) for programme in programmes]
