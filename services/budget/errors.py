"""The budget service's problem types (RFC 9457), each with its status and slug."""

from __future__ import annotations

from shared.problems import Conflict, Forbidden, NotFound, Unprocessable


class ProgrammeNotFound(NotFound):
    slug, title = "programme-not-found", "No such programme in the budget (has it been synced?)"


class CommitmentNotFound(NotFound):
    slug, title = "commitment-not-found", "No such commitment"


class UnknownCode(Unprocessable):
    """A programme, priority, specific objective or fund the budget does not know."""

    slug, title = "unknown-code", "The request names something the programme does not have"


class ReserveNotCommittable(Unprocessable):
    slug, title = "reserve-not-committable", "The unallocated reserve cannot be committed against"


class MissingExchangeRate(Unprocessable):
    slug, title = "missing-exchange-rate", "No exchange rate for the currency and month"


class NoConversionRate(NotFound):
    """`GET …/conversion-rates/{currency}`: the budget has no rate for it in that month (a commitment
    would be refused with `missing-exchange-rate`)."""

    slug, title = "missing-exchange-rate", "No exchange rate for the currency and month"


class InvalidRatesFile(Unprocessable):
    slug, title = "invalid-exchange-rate-file", "The exchange-rate file is not valid"


class InsufficientFunds(Conflict):
    """A line asks for more than is available; the problem body names fund, priority, asked, available."""

    slug, title = "insufficient-funds", "Not enough money available"


class RateNeedsConfirmation(Conflict):
    """A rate typed by hand far from the previous month's: the body names both, the deviation and the limit."""

    slug, title = "rate-needs-confirmation", "The rate is far from the previous month's"


class NothingToRelease(Conflict):
    slug, title = "nothing-to-release", "More than remains on the commitment"


class ProjectCommitmentByApplicationOnly(Forbidden):
    """A priority with specific objectives funds projects: its money moves only with their applications."""

    slug, title = "project-commitment-by-application-only", "Project money moves only through the applications service"


class CommitmentExists(Conflict):
    slug, title = "commitment-exists", "The application version already has another active commitment"
