"""The applications service's problem types (RFC 9457), each with its status and slug."""

from __future__ import annotations

from typing import ClassVar

from shared.problems import Conflict, Forbidden, NotFound, Unprocessable


class ApplicationNotFound(NotFound):
    """No such application, or not one the caller may see (never tells which)."""

    slug, title = "application-not-found", "No such application"
    titles: ClassVar[dict[str, str]] = {"sv": "Ansökan finns inte", "nb": "Søknaden finnes ikke"}


class VersionNotFound(NotFound):
    slug, title = "version-not-found", "No such version of the application"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Ansökan har ingen sådan version",
        "nb": "Søknaden har ingen slik versjon",
    }


class ReportNotFound(NotFound):
    slug, title = "eligibility-report-not-found", "The application has no stored eligibility report yet"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Ansökan har ingen lagrad stödberättigandeprövning än",
        "nb": "Søknaden har ingen lagret kontroll av støtteberettigelse ennå",
    }


class TransitionNotAllowed(Conflict):
    """The workflow does not allow this action in the application's current status."""

    slug, title = "transition-not-allowed", "The application's status does not allow this"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Ansökans status tillåter inte detta",
        "nb": "Søknadens status tillater ikke dette",
    }


class CallNotOpen(Conflict):
    slug, title = "call-not-open", "The call is not open for submissions"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Utlysningen är inte öppen för ansökningar",
        "nb": "Utlysningen er ikke åpen for søknader",
    }


class BudgetRefused(Conflict):
    slug, title = "budget-refused", "The budget service refused the commitment"


class ConcurrentChange(Conflict):
    slug, title = "concurrent-change", "The application changed while the request was processed; retry"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Ansökan ändrades medan begäran behandlades; försök igen",
        "nb": "Søknaden ble endret mens forespørselen ble behandlet; prøv igjen",
    }


class InvalidApplication(Unprocessable):
    slug, title = "invalid-application", "The application is not valid"


class NotAssessor(Forbidden):
    slug, title = "not-assessor", "Only an officer assigned as the application's assessor may do this"


class DeclarationRequired(Forbidden):
    slug, title = "declaration-required", "Declare your interests with the partners before assessing"


class ConflictOfInterest(Forbidden):
    slug, title = "conflict-of-interest", "The assessor declared a conflict of interest with a partner"


class AssessmentSubmitted(Conflict):
    slug, title = "assessment-submitted", "The assessment was already submitted"


class NoCriteria(Conflict):
    slug, title = "no-assessment-criteria", "The catalogue publishes no assessment criteria for the programme"


class AssessmentIncomplete(Conflict):
    slug, title = "assessment-incomplete", "The application's assessment is not complete"


class BelowThreshold(Conflict):
    slug, title = "below-quality-threshold", "The application does not meet the quality thresholds"


class DoesNotFit(Conflict):
    slug, title = "does-not-fit", "The money left on the priority does not cover the approvals"


class ExchangeRateMissing(Conflict):
    slug, title = "exchange-rate-missing", "The budget has no exchange rate to convert a requested amount"


class DeadlinePassed(Conflict):
    slug, title = "completion-deadline-passed", "The deadline of the completion has passed"


class RevertPeriodOver(Conflict):
    slug, title = "revert-period-over", "The decision can no longer be reverted"


class ConceptNoteRequired(Conflict):
    slug, title = "concept-note-required", "The call takes full applications of invited concept notes only"


class CommitteeSessionNotFound(NotFound):
    slug, title = "committee-session-not-found", "No such committee session"


class ConditionNotFound(NotFound):
    slug, title = "condition-not-found", "No such condition of the application's approval"


class CallNotFound(NotFound):
    slug, title = "call-not-found", "The catalogue has no such call"
    titles: ClassVar[dict[str, str]] = {"sv": "Utlysningen finns inte", "nb": "Utlysningen finnes ikke"}


class CommitteeDecides(Conflict):
    """The programme approves only through a committee session (its catalogue setting `decisions`)."""

    slug, title = "committee-decides", "The programme's committee approves applications, in a committee session"


class StateAidCeiling(Conflict):
    slug, title = "state-aid-ceiling", "An approval would break a State-aid ceiling; nothing was recorded"


class AidChanged(Conflict):
    slug, title = "aid-changed", "Another approval of the same undertaking was recorded meanwhile; retry"


class GrantNotEligible(Conflict):
    slug, title = "grant-not-eligible", "The financing as granted does not pass the eligibility rules"
