"""What a commitment checks of its programme (currency, priorities, specific objectives, funds), kept in
process per data version, so that a commitment asks the database nothing to check them.

The reference tables change only when a programme is synced from the catalogue; triggers bump the
`data_version` row on every write of them (migration 20261201_reference_version), whoever writes.
`shared.data_version.DataVersion` re-reads that version at most every `BUDGET_DATA_VERSION_CHECK_MS`, and
at once after a request of this replica that may have written them (`ExpireOnWriteMiddleware` in
`main.py`); when it has changed, the whole reference data is read again (one round trip; it is a
few rows per programme). A programme synced through another replica is thus seen within the interval.
Nothing about money depends on this copy: the room a commitment takes is checked by the database on the
balance row itself (a fund or priority without a balance row has no room).
"""

from __future__ import annotations

from collections.abc import Iterable

from services.budget import repository as repo
from shared.data_version import DataVersion, PerVersion
from shared.db import Database


class Snapshot:
    """The reference data of every programme at one data version."""

    def __init__(self, programmes: dict[str, repo.ProgrammeReference]) -> None:
        self.programmes = programmes

    def reference(self, programme: str, priority: str, objective: str | None, funds: Iterable[str]) -> repo.Reference:
        """What a commitment checks of `programme` (an unknown programme has no currency)."""
        ref = self.programmes.get(programme)
        return ref.reference(priority, objective, funds) if ref is not None else repo.Reference()


def references(db: Database, version: DataVersion) -> PerVersion[Snapshot]:
    """The `Snapshot` at the current data version. It reads in sessions of its own, so a request takes its
    snapshot before its own session holds a connection (`routes.dependencies.Service`): a request
    that held one while waiting for another could, with every pooled connection so held, wait for ever."""

    async def load() -> Snapshot:
        async with db.reader() as session:
            return Snapshot(await repo.all_references(session))

    return PerVersion(version, load)
