"""The budget service's problem types (RFC 9457), each with its status and slug."""

from __future__ import annotations

from typing import ClassVar

from shared.problems import Conflict, Forbidden, NotFound, Unprocessable


class ProgrammeNotFound(NotFound):
    slug, title = "programme-not-found", "No such programme in the budget (has it been synced?)"
    titles: ClassVar[dict[str, str]] = {"sv": "Programmet finns inte", "nb": "Programmet finnes ikke"}


class CommitmentNotFound(NotFound):
    slug, title = "commitment-not-found", "No such commitment"
    titles: ClassVar[dict[str, str]] = {"sv": "Åtagandet finns inte", "nb": "Forpliktelsen finnes ikke"}


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
    titles: ClassVar[dict[str, str]] = {
        "sv": "Det finns inte tillräckligt med pengar",
        "nb": "Det er ikke nok midler tilgjengelig",
    }


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


class ClaimNotFound(NotFound):
    slug, title = "claim-not-found", "No such payment claim"
    titles: ClassVar[dict[str, str]] = {"sv": "Utbetalningsanspråket finns inte", "nb": "Utbetalingskravet finnes ikke"}


class ClaimExists(Conflict):
    """The claim's business key was used for other figures (the problem body names the existing claim)."""

    slug, title = "claim-exists", "The claim's key already names a claim with other figures"


class CommitmentReleased(Conflict):
    slug, title = "commitment-released", "The commitment is released: nothing can be claimed on it"


class NothingToClaim(Conflict):
    """What remains on the commitment's line for the fund is held by other claims or paid already."""

    slug, title = "nothing-to-claim", "Nothing remains on the commitment's line for the fund"


class NotAProjectCommitment(Conflict):
    slug, title = "not-a-project-commitment", "Claims are made on a project's commitment only"


class ClaimState(Conflict):
    """The claim is not in the state the step needs (the problem body names it: `state`)."""

    slug, title = "claim-state", "The payment claim is not in the state this step needs"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Utbetalningsanspråkets status tillåter inte detta steg",
        "nb": "Utbetalingskravets status tillater ikke dette steget",
    }


class SamePersonConfirms(Forbidden):
    slug, title = "four-eyes", "The person who authorised a payment cannot confirm it"


class PaymentsThroughClaims(Conflict):
    """A project's money is paid only through its claims (`POST /v1/claims`); technical assistance pays directly."""

    slug, title = "payments-through-claims", "A project's commitment is paid through its payment claims"


class CorrectionNotFound(NotFound):
    slug, title = "correction-not-found", "No such correction"


class CorrectionState(Conflict):
    """The correction (or the claim it corrects) is not in the state the step needs (the body names it: `state`)."""

    slug, title = "correction-state", "The correction is not in the state this step needs"


class SamePersonSettles(Forbidden):
    slug, title = "four-eyes-settlement", "The person who recorded a correction cannot settle it"
