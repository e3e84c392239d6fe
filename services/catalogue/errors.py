"""The catalogue's problem types (RFC 9457), each with its status and slug."""

from __future__ import annotations

from shared.problems import Conflict, Forbidden, NotFound, Unprocessable


class ProgrammeNotFound(NotFound):
    slug, title = "programme-not-found", "No such programme"


class EntryNotFound(NotFound):
    """A code that the programme does not have (priority, specific objective, …)."""

    slug, title = "catalogue-entry-not-found", "No such entry in the programme"


class CallNotFound(NotFound):
    slug, title = "call-not-found", "No such call"


class CallNumberTaken(Conflict):
    slug, title = "call-number-taken", "The programme already has a call with this number"


class CallAlreadyClosed(Conflict):
    slug, title = "call-already-closed", "The call already closes at or before that time"


class InvalidCall(Unprocessable):
    """A call that breaks a rule: reversed window, unknown objective or project type."""

    slug, title = "invalid-call", "The call is not valid"


class InvalidPartnerEntry(Unprocessable):
    """A partner-search entry naming a code the programme does not have, or a contact without consent."""

    slug, title = "invalid-partner-entry", "The partner-search entry is not valid"


class PartnerEntryNotFound(NotFound):
    slug, title = "partner-entry-not-found", "No such partner-search entry"


class NotEntryAuthor(Forbidden):
    slug, title = "not-entry-author", "Only the entry's author may do this"
