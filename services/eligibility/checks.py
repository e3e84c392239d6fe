"""A check: choose the rule set for an application, fetch the reference data its rules read from the
catalogue, and evaluate every rule into a report. Side-effect free.

The database is normally not asked at all: which rule set and version a check uses comes from the
in-process `RuleSetIndex` (revalidated against the rule sets' data version, `rule_sets/cache.py`) and a
version's rules are read once per process. When they must be read, it is in a short read-only session of
its own (on SQLite a plain BEGIN: no write lock) that is closed before the catalogue is asked, so no
database transaction is held while waiting on the network. The catalogue's reference data comes from the
client's ETag cache, parsed once per answer (`shared.clients.catalogue`), and is assembled for a
(programme, call) at most once a second (`ReferenceSnapshots`).
"""

from __future__ import annotations

import datetime as dt
import operator
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from services.eligibility import repository as repo
from services.eligibility.engine.context import Need
from services.eligibility.engine.rules import Context, ReferenceData, Rule, RuleSet, needs, report_of
from services.eligibility.errors import RuleSetMismatch, RuleSetNotFound, UnknownProgramme
from services.eligibility.rule_sets.cache import RuleSetIndex, RuleSetVersions
from shared.clients.catalogue import CatalogueClient
from shared.db import Database
from shared.schemas.applications import CheckRequest

T = TypeVar("T")


async def resolve_rule_set(
    db: Database,
    index: RuleSetIndex,
    application: CheckRequest,
    *,
    rule_set_id: str | None,
    version: int | None,
    at: dt.datetime,
    versions: RuleSetVersions | None = None,
) -> RuleSet:
    """The rule set a check uses: the one given, else the call's own set, else the programme's; the version
    in force at the check's instant `at` unless one is given (a draft may be given: that is how an admin
    tries it), both as `index` knows them. A version already in `versions` is not read again (versions are
    immutable); another is read from `db` in a read-only session of its own."""
    if rule_set_id is not None:
        header = index.by_id.get(rule_set_id)
        if header is None:
            raise RuleSetNotFound(
                {
                    "sv": f"regeluppsättningen {rule_set_id!r} finns inte",
                    "nb": f"regelsettet {rule_set_id!r} finnes ikke",
                    "en": f"there is no rule set {rule_set_id!r}",
                }
            )
        if header.programme != application.programme:
            raise RuleSetMismatch(
                f"the rule set {rule_set_id!r} is for programme {header.programme!r}, not {application.programme!r}"
            )
        in_force = header.in_force(at)
    else:
        found = index.for_check(application.programme, str(application.call_id), at)
        if found is None:
            raise UnknownProgramme(f"there are no eligibility rules for the programme {application.programme!r}")
        header, in_force = found
    number = version or in_force
    if number is None:
        raise RuleSetNotFound(
            f"the rule set {header.id!r} has no version in force: every version is a draft until an admin "
            f"activates it (POST /v1/rule-sets/{header.id}/versions/{{version}}/activation)"
        )
    kept = versions.get(header.id, number) if versions is not None and number else None
    if kept is not None:
        return kept
    if number:
        async with db.reader() as session:  # read-only (no write lock): closed before the catalogue is asked
            row = await repo.get_version(session, header.id, number)
    else:
        row = None
    if row is None:
        raise RuleSetNotFound(f"the rule set {header.id!r} has no version {number}")
    rule_set = RuleSet(
        id=header.id,
        version=row.version,
        programme=header.programme,
        call_id=header.call_id,
        rules=tuple(
            Rule(code=r.code, kind=r.kind, severity=r.severity, params=r.params)  # type: ignore[arg-type]
            for r in row.rules
        ),
    )
    if versions is not None:
        versions.put(rule_set)
    return rule_set


async def reference_data(catalogue: CatalogueClient, rule_set: RuleSet, application: CheckRequest) -> ReferenceData:
    """Fetch the reference data the set's rules read, one read after the other: they are answered from the
    client's cache almost always (fresh for up to 10 s, and one request per stale URL however many checks
    wait for it), where running them as concurrent tasks cost more than the reads themselves."""
    wanted = needs(rule_set)
    programme_code = application.programme
    programme = await catalogue.programme(programme_code)
    if programme is None:
        raise UnknownProgramme(f"the catalogue does not know the programme {programme_code!r}")
    return ReferenceData(
        programme=programme,
        regions=_kept("regions", programme_code, await catalogue.regions(programme_code))
        if "regions" in wanted
        else None,
        organisation_types=_kept(
            "organisation_types", programme_code, await catalogue.organisation_types(programme_code)
        )
        if "organisation_types" in wanted
        else None,
        project_types=_kept("project_types", programme_code, await catalogue.project_types(programme_code))
        if "project_types" in wanted
        else None,
        call=await catalogue.call(application.call_id) if "call" in wanted else None,
    )


_LISTS: dict[tuple[str, str], list[Any]] = {}
"""The last list of each kind and programme the catalogue client answered."""


def _kept(kind: str, programme: str, items: list[T]) -> list[T]:
    """`items`, or the list answered before when it holds the very same items. The client makes a new list on
    every call from the items it parsed once per answer; handing the rules one list per answer lets them
    index it once per answer too (`engine.context.by_code`) instead of on every check."""
    key = (kind, programme)
    kept = _LISTS.get(key)
    if kept is not None and len(kept) == len(items) and all(map(operator.is_, kept, items)):
        return kept
    if len(_LISTS) >= 256:
        _LISTS.clear()
    _LISTS[key] = items
    return items


class ReferenceSnapshots:
    """The reference data of a (programme, call, what the set's rules read), assembled from the catalogue
    client's cache (`reference_data`) and kept for `seconds` (1 s, never longer than the client keeps an
    answer fresh): the checks of that second read one assembly instead of five cache reads each. A
    change in the catalogue reaches the checks within the client's freshness (10 s) and this second. The
    second is measured on the client's cache's clock (`ETagCache.now`), as its freshness is."""

    def __init__(self, catalogue: CatalogueClient, seconds: float = 1.0, max_entries: int = 256) -> None:
        self.catalogue = catalogue
        self.seconds = min(seconds, catalogue.cache.max_fresh_seconds)
        self.max_entries = max_entries
        self._kept: dict[tuple[str, Any, frozenset[Need]], tuple[float, ReferenceData]] = {}

    async def of(self, rule_set: RuleSet, application: CheckRequest) -> ReferenceData:
        key = (application.programme, application.call_id, needs(rule_set))
        kept = self._kept.get(key)
        now = self.catalogue.cache.now()
        if kept is not None and now < kept[0]:
            return kept[1]
        data = await reference_data(self.catalogue, rule_set, application)
        if self.seconds > 0:
            if key not in self._kept and len(self._kept) >= self.max_entries:
                self._kept.clear()
            self._kept[key] = (now + self.seconds, data)
        return data


def check_instant(application: CheckRequest, *, timezone: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """The instant a check is made for: the request's `at`; else now, when `as_of` is absent or today;
    else the first instant of `as_of` in the programme's time zone (a date alone names no time of day)."""
    if application.at is not None:
        return application.at
    if application.as_of is None or application.as_of == now.astimezone(timezone).date():
        return now
    return dt.datetime.combine(application.as_of, dt.time(0), tzinfo=timezone)


async def check(
    db: Database,
    reference: ReferenceSnapshots,
    application: CheckRequest,
    *,
    language: str,
    timezone: ZoneInfo,
    now: dt.datetime,
    index: RuleSetIndex,
    rule_set_id: str | None = None,
    version: int | None = None,
    versions: RuleSetVersions | None = None,
) -> dict[str, Any]:
    """The eligibility report of `application` at the instant `at` (`check_instant`), as plain data shaped as
    `Report` (`rules.report_of`; encoded by `rules.report_json`): the check date `as_of` is that instant's
    day in `timezone`; the rule set is resolved with `index`."""
    at = check_instant(application, timezone=timezone, now=now)
    rule_set = await resolve_rule_set(
        db, index, application, rule_set_id=rule_set_id, version=version, at=at, versions=versions
    )
    data = await reference.of(rule_set, application)
    as_of = application.as_of or at.astimezone(timezone).date()
    ctx = Context(application=application, reference=data, as_of=as_of, timezone=timezone, at=at)
    return report_of(rule_set, ctx, language, application.rule_kinds)
