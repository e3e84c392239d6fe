"""What a check needs of the rule sets, kept in process, so that a check asks the database nothing.

- `RuleSetVersions`: a version is immutable once stored (`versions` only ever inserts the next one),
  so a check reads its rules from the database once per process and version.
- `RuleSetIndex`: which rule sets exist (programme, call), the latest version of each and when each
  activated version goes live: what a check resolves its rule set and version with (`in_force`). It is kept per *data version* of the rule sets (`DataVersion`: the
  `data_version` row that database triggers bump on every write of a rule-set table, whoever writes:
  the API of any replica or `load-rules`), re-read at most every `ELIGIBILITY_DATA_VERSION_CHECK_MS` of
  the app clock. A new version stored through another replica or by `load-rules` is therefore used
  within that bound, one stored through this replica by the very next check (`ExpireOnWriteMiddleware`
  expires the version once the write has committed).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field

from services.eligibility import repository as repo
from services.eligibility.engine.rules import RuleSet
from services.eligibility.models import PROGRAMME_WIDE
from shared.db import Database


class RuleSetVersions:
    """At most `max_entries` versions (least recently used out first), keyed by (rule set id, version)."""

    def __init__(self, max_entries: int = 128) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, int], RuleSet] = OrderedDict()

    def get(self, rule_set_id: str, version: int) -> RuleSet | None:
        found = self._entries.get((rule_set_id, version))
        if found is not None:
            self._entries.move_to_end((rule_set_id, version))
        return found

    def put(self, rule_set: RuleSet) -> None:
        self._entries[(rule_set.id, rule_set.version)] = rule_set
        self._entries.move_to_end((rule_set.id, rule_set.version))
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


@dataclass(frozen=True)
class RuleSetHeader:
    """A rule set as a check resolves it: its scope, its latest version (None: it has none; it may be a
    draft) and its `schedule`: the activated versions by effective instant (then version)."""

    id: str
    programme: str
    call_id: str | None
    latest: int | None
    schedule: tuple[tuple[dt.datetime, int], ...] = ()
    _instants: tuple[dt.datetime, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_instants", tuple(at for at, _ in self.schedule))

    def in_force(self, at: dt.datetime, *, before_first: bool = True) -> int | None:
        """The version in force at `at`: the one activated with the latest effective instant at or before it
        (of two at one instant, the higher version). Before the first activation (`before_first`), the first
        activated version: the rules a programme was first given are the rules of the time before it (checks
        of an earlier instant, such as a submission made before the rules were loaded). None when every
        version is a draft (or, without `before_first`, none is in force yet)."""
        position = bisect.bisect_right(self._instants, at)
        if position:
            return self.schedule[position - 1][1]
        return self.schedule[0][1] if self.schedule and before_first else None


@dataclass(frozen=True)
class RuleSetIndex:
    """Every rule set, by id and by (programme, scope key), as of one data version."""

    version: Hashable
    by_id: dict[str, RuleSetHeader]
    by_scope: dict[tuple[str, str], RuleSetHeader]

    def for_check(
        self, programme: str, call_id: str | None, at: dt.datetime
    ) -> tuple[RuleSetHeader, int | None] | None:
        """The call's own set if it has a version in force at `at`, else the programme-wide set; with the
        version in force (None: the programme's set has only drafts)."""
        if call_id:
            found = self.by_scope.get((programme, call_id))
            number = found.in_force(at, before_first=False) if found is not None else None
            if found is not None and number is not None:
                return found, number
        wide = self.by_scope.get((programme, PROGRAMME_WIDE))
        return (wide, wide.in_force(at)) if wide is not None else None


async def read_index(db: Database) -> RuleSetIndex:
    """The index from the database, tagged with the data version read *before* it (in the same read-only
    session): the tag is never newer than what was read, so a write in between is read again later."""
    async with db.reader() as session:
        version = await repo.data_version(session)
        rows = await repo.rule_sets_with_latest(session)
        activations = await repo.activations(session)
    schedules: dict[str, list[tuple[dt.datetime, int]]] = {}
    for a in activations:  # ordered by set, instant, version
        schedules.setdefault(a.rule_set_id, []).append((a.effective_from, a.version))
    by_id: dict[str, RuleSetHeader] = {}
    by_scope: dict[tuple[str, str], RuleSetHeader] = {}
    for row, latest in rows:
        header = RuleSetHeader(
            id=row.id,
            programme=row.programme,
            call_id=row.call_id,
            latest=latest,
            schedule=tuple(schedules.get(row.id, ())),
        )
        by_id[row.id] = header
        by_scope[(row.programme, row.scope_key)] = header
    return RuleSetIndex(version=version, by_id=by_id, by_scope=by_scope)
