"""Rule-set versions kept in process: a version is immutable once stored (rule_sets.py only ever inserts
the next one), so a check reads its rules from the database once per process and version. Which version
a check uses (the latest of the set, unless one is named) is still read from the database on every check,
so a new version is used from the moment it is stored, by every replica."""

from __future__ import annotations

from collections import OrderedDict

from services.eligibility.rules import RuleSet


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
