"""The eligibility service's problem types (RFC 9457), each with its status and slug."""

from __future__ import annotations

from typing import ClassVar

from shared.problems import Conflict, NotFound, Unprocessable


class UnknownProgramme(Unprocessable):
    """The application names a programme that has no rule set here or is unknown to the catalogue."""

    slug, title = "unknown-programme", "Unknown programme"


class RuleSetNotFound(NotFound):
    slug, title = "rule-set-not-found", "Rule set not found"
    titles: ClassVar[dict[str, str]] = {"sv": "Regeluppsättningen finns inte", "nb": "Regelsettet finnes ikke"}


class RuleSetMismatch(Unprocessable):
    """A rule set was asked for that does not belong to the application's programme."""

    slug, title = "rule-set-mismatch", "The rule set does not apply to this application"


class RuleSetConflict(Conflict):
    """A rule set's id and its scope (programme, call) disagree with what is stored."""

    slug, title = "rule-set-conflict", "The rule set conflicts with a stored one"
    titles: ClassVar[dict[str, str]] = {
        "sv": "Regeluppsättningen strider mot en lagrad",
        "nb": "Regelsettet er i konflikt med et lagret",
    }


class InvalidRuleSetFile(Exception):
    """A rule-set data file that does not validate (raised by `load-rules`, never over HTTP)."""


class InvalidActivation(Unprocessable):
    """An activation whose effective instant is in the past."""

    slug, title = "invalid-activation", "A version goes live now or later"


class RuleSetNotForProgramme(Unprocessable):
    """A rule set whose parameters name what its programme does not have (a currency, a country, a fund)."""

    slug, title = "rule-set-not-for-programme", "The rule set does not fit its programme"
