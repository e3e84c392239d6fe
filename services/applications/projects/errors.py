"""The project stage's problem types (RFC 9457), each with its status and slug."""

from __future__ import annotations

from typing import ClassVar

from shared.problems import Conflict, Forbidden, NotFound, Unprocessable


class ProjectNotFound(NotFound):
    """No such project (an approved application), or not one the caller may see (never tells which)."""

    slug, title = "project-not-found", "No such project"
    titles: ClassVar[dict[str, str]] = {"sv": "Projektet finns inte", "nb": "Prosjektet finnes ikke"}


class PartnerReportNotFound(NotFound):
    """No such partner report, or not one the caller may see: a controller sees only its partners'."""

    slug, title = "partner-report-not-found", "No such partner report"
    titles: ClassVar[dict[str, str]] = {"sv": "Partnerrapporten finns inte", "nb": "Partnerrapporten finnes ikke"}


class ProjectReportNotFound(NotFound):
    slug, title = "project-report-not-found", "No such project report"
    titles: ClassVar[dict[str, str]] = {"sv": "Projektrapporten finns inte", "nb": "Prosjektrapporten finnes ikke"}


class LineNotFound(NotFound):
    slug, title = "expenditure-line-not-found", "No such expenditure line in the report"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Rapporten har ingen sådan utgiftsrad",
        "nb": "Rapporten har ingen slik utgiftslinje",
    }


class ControllerNotFound(NotFound):
    slug, title = "controller-not-found", "No such controller in the programme"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Programmet har ingen sådan kontrollant",
        "nb": "Programmet har ingen slik kontrollør",
    }


class StatusDoesNotAllow(Conflict):
    slug, title = "project-status-does-not-allow", "The status does not allow this"
    titles: ClassVar[dict[str, str]] = {"sv": "Statusen tillåter inte detta", "nb": "Statusen tillater ikke dette"}


class NotApproved(Conflict):
    slug, title = "not-approved", "Only an approved application with an accepted commitment becomes a project"


class ContractIncomplete(Conflict):
    slug, title = "contract-incomplete", "The contract data is incomplete"


class ConditionsOpen(Conflict):
    slug, title = "conditions-not-fulfilled", "Conditions of the committee's approval are not fulfilled"


class ControlIncomplete(Conflict):
    slug, title = "control-incomplete", "Not every expenditure line is verified"


class ReportsNotCertified(Conflict):
    slug, title = "partner-reports-not-certified", "The project report needs certified partner reports"


class FinalReportMissing(Conflict):
    slug, title = "final-report-not-verified", "The final period's project report is not verified"


class ExchangeRateMissing(Conflict):
    slug, title = "exchange-rate-missing", "The budget has no exchange rate for the month of the submission"


class AlreadyExists(Conflict):
    slug, title = "already-exists", "It exists already"


class ReportIncluded(Conflict):
    slug, title = "partner-report-included", "The partner report is included in a project report"


class InvalidProjectData(Unprocessable):
    slug, title = "invalid-project-data", "The data is not valid"


class NotOwner(Forbidden):
    slug, title = "not-project-owner", "Only the project owner of that side may do this"


class FourEyes(Forbidden):
    slug, title = "four-eyes", "A second person must do this"


class NotController(Forbidden):
    slug, title = "not-the-controller", "Only the partner's assigned controller may do this"


class ChangeRequestNotFound(NotFound):
    slug, title = "change-request-not-found", "No such change request"
    titles: ClassVar[dict[str, str]] = {"sv": "Ändringsbegäran finns inte", "nb": "Endringsanmodningen finnes ikke"}


class ChangeConflict(Conflict):
    """Another open change request of the project changes the same part (it is named), or is being approved."""

    slug, title = "change-request-conflict", "Another open change request changes the same part"
    titles: ClassVar[dict[str, str]] = {
        "sv": "En annan öppen ändringsbegäran ändrar samma del",
        "nb": "En annen åpen endringsanmodning endrer samme del",
    }


class ChangeStale(Conflict):
    slug, title = "change-request-stale", "The project's approved version changed since the check"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Projektets beviljade version har ändrats sedan kontrollen",
        "nb": "Prosjektets innvilgede versjon er endret siden kontrollen",
    }


class NotContracted(Conflict):
    slug, title = "project-not-contracted", "Only a contracted project is changed by change requests"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Endast ett avtalat projekt ändras genom ändringsbegäran",
        "nb": "Bare et kontraktsfestet prosjekt endres gjennom endringsanmodninger",
    }
