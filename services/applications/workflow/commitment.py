"""Where the budget side of a decision stands (`commitment_status`): ONE transition table, beside the
application's own (`transitions`), and the only way the field changes.

    (none) ──owe──▶ pending ──accept──▶ active ──owe-release──▶ releasing ──release──▶ released
              refused ◀──refuse── pending ──owe-release──▶ releasing ──nothing-to-release──▶ (none)
    refused | releasing | released ──owe──▶ pending   (a later approval of the same application)

- `owe`: an approval recorded the commitment it owes the budget (the outbox delivers it).
- `accept` / `refuse`: the budget's answer to that commitment (the relay settles it).
- `owe-release`: a termination, closure or revert recorded the release of what was not paid.
- `release` / `nothing-to-release`: the budget released it, or there was no commitment to release (the
  approval asked for no money, or the budget had refused it).

A project ended (or an approval reverted) before the budget answered keeps `releasing` when the
commitment is then accepted (its release follows, in order) and becomes `refused` when it is refused.
After a revert and a new approval of the same application, the earlier approval's messages are settled
first (in order): its accepted commitment moves the new `pending` to `active` before the new commitment
is delivered (a known imprecision: the money is right, the new commitment's answer records its id), and
its release leaves the state as it is.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class CommitmentStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REFUSED = "refused"
    RELEASING = "releasing"
    RELEASED = "released"


class CommitmentEvent(StrEnum):
    OWE = "owe"
    ACCEPT = "accept"
    REFUSE = "refuse"
    OWE_RELEASE = "owe-release"
    RELEASE = "release"
    NOTHING_TO_RELEASE = "nothing-to-release"


class CommitmentMoveNotAllowed(Exception):
    """A move the table does not have: a fault of this service's code, never of a request."""


C, E = CommitmentStatus, CommitmentEvent
TRANSITIONS: dict[tuple[CommitmentStatus | None, CommitmentEvent], CommitmentStatus | None] = {
    (None, E.OWE): C.PENDING,
    (C.REFUSED, E.OWE): C.PENDING,
    (C.RELEASING, E.OWE): C.PENDING,
    (C.RELEASED, E.OWE): C.PENDING,
    (C.PENDING, E.ACCEPT): C.ACTIVE,
    (C.RELEASING, E.ACCEPT): C.RELEASING,
    (C.PENDING, E.REFUSE): C.REFUSED,
    (C.RELEASING, E.REFUSE): C.REFUSED,
    (C.PENDING, E.OWE_RELEASE): C.RELEASING,
    (C.ACTIVE, E.OWE_RELEASE): C.RELEASING,
    (C.RELEASING, E.RELEASE): C.RELEASED,
    (C.RELEASING, E.NOTHING_TO_RELEASE): None,
    # an earlier approval's release settled after a later approval of the same application
    (C.PENDING, E.RELEASE): C.PENDING,
    (C.PENDING, E.NOTHING_TO_RELEASE): C.PENDING,
    (C.ACTIVE, E.RELEASE): C.ACTIVE,
    (C.ACTIVE, E.NOTHING_TO_RELEASE): C.ACTIVE,
}
"""(current, event) -> next; `None` is "no commitment". Anything not listed is refused."""


def status_of(value: str | None) -> CommitmentStatus | None:
    return None if value is None else CommitmentStatus(value)


def may(current: str | None, event: CommitmentEvent) -> bool:
    """Whether `event` is a move from `current` (a release is owed only where one is held or owed)."""
    return (status_of(current), event) in TRANSITIONS


def next_commitment_status(current: str | None, event: CommitmentEvent) -> CommitmentStatus | None:
    """The state after `event`, or `CommitmentMoveNotAllowed` naming the pair."""
    key = (status_of(current), event)
    if key not in TRANSITIONS:
        raise CommitmentMoveNotAllowed(f"commitment_status {current or 'none'} has no move {event.value}")
    return TRANSITIONS[key]


class HasCommitment(Protocol):
    commitment_status: str | None


def move_commitment(app: HasCommitment, event: CommitmentEvent) -> CommitmentStatus | None:
    """Move `app.commitment_status` by `event` through the table: the one assignment of the field."""
    app.commitment_status = next_commitment_status(app.commitment_status, event)
    return app.commitment_status
