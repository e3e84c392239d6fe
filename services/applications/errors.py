"""The applications service's problem types (RFC 9457), each with its status and slug."""

from __future__ import annotations

from shared.problems import Conflict, NotFound, Unprocessable


class ApplicationNotFound(NotFound):
    """No such application, or not one the caller may see (never tells which)."""

    slug, title = "application-not-found", "No such application"


class VersionNotFound(NotFound):
    slug, title = "version-not-found", "No such version of the application"


class ReportNotFound(NotFound):
    slug, title = "eligibility-report-not-found", "The application has no stored eligibility report yet"


class TransitionNotAllowed(Conflict):
    """The workflow does not allow this action in the application's current status."""

    slug, title = "transition-not-allowed", "The application's status does not allow this"


class CallNotOpen(Conflict):
    slug, title = "call-not-open", "The call is not open for submissions"


class BudgetRefused(Conflict):
    slug, title = "budget-refused", "The budget service refused the commitment"


class ConcurrentChange(Conflict):
    slug, title = "concurrent-change", "The application changed while the request was processed; retry"


class InvalidApplication(Unprocessable):
    slug, title = "invalid-application", "The application is not valid"
