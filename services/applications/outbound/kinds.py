"""The kinds of message this service's outbox carries: the one list, which `deliveries.handlers` maps
to what each sends and settles (a kind without a handler fails its build and its test)."""

from __future__ import annotations

from enum import StrEnum


class MessageKind(StrEnum):
    ASSESS = "eligibility.assess"
    """A submitted version owes its eligibility check (`POST /v1/checks`)."""
    COMMIT = "budget.commit"
    """An approval owes the budget its commitment (`POST /v1/commitments`)."""
    RELEASE = "budget.release"
    """A termination, closure or revert owes the release of what was not paid."""
    CLAIM = "budget.claim"
    """A verified project report owes the budget its claim on one fund (`POST /v1/claims`), business key
    `project-report:<report>:<fund>`."""
    CHANGE_CHECK = "eligibility.check-change"
    """A submitted change request owes the eligibility check of its resulting version (`POST /v1/checks`)."""
    INCREASE = "budget.increase"
    """An approved change request owes the rise of the project's commitment
    (`POST /v1/commitments/{id}/increases`), business key `change:<request>`."""
    RELEASE_LINES = "budget.release-lines"
    """An applied change request owes the release of what fell (`POST …/release` with `lines`), key
    `change:<request>:release`."""
