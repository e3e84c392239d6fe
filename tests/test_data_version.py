"""shared.data_version: the version is re-read at most every interval of the app clock, at once after
`expire()` or past the instant `read` named, and a read under way when `expire()` came cannot put its
older answer back."""

from __future__ import annotations

import asyncio
import datetime as dt

from shared.clock import FixedClock
from shared.data_version import DataVersion

T0 = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


class Store:
    """What the database holds: a version, and an optional instant after which answers change."""

    def __init__(self) -> None:
        self.version = 1
        self.until: dt.datetime | None = None
        self.reads = 0
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()

    async def read(self, now: dt.datetime) -> tuple[int, dt.datetime | None]:
        self.reads += 1
        seen = self.version
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        return seen, self.until


async def test_read_at_most_every_interval_and_at_once_after_expire() -> None:
    clock, store = FixedClock(T0), Store()
    version = DataVersion(store.read, clock, SECOND)
    assert await version.current() == 1
    store.version = 2
    clock.advance(SECOND - dt.timedelta(microseconds=1))
    assert await version.current() == 1 and store.reads == 1  # within the interval: not read
    clock.advance(dt.timedelta(microseconds=1))
    assert await version.current() == 2 and store.reads == 2
    store.version = 3
    version.expire()  # this replica wrote
    assert await version.current() == 3 and store.reads == 3
    clock.set(T0)  # a clock that went back re-reads too
    assert await version.current() == 3 and store.reads == 4


async def test_the_instant_the_read_names_ends_the_interval() -> None:
    clock, store = FixedClock(T0), Store()
    store.until = T0 + dt.timedelta(milliseconds=10)
    version = DataVersion(store.read, clock, dt.timedelta(hours=1))
    await version.current()
    clock.advance(dt.timedelta(milliseconds=9))
    await version.current()
    assert store.reads == 1
    clock.advance(dt.timedelta(milliseconds=1))
    await version.current()
    assert store.reads == 2


async def test_concurrent_requests_share_one_read_and_a_stale_read_is_not_kept() -> None:
    clock, store = FixedClock(T0), Store()
    version = DataVersion(store.read, clock, SECOND)
    store.gate = asyncio.Event()
    waiting = [asyncio.create_task(version.current()) for _ in range(5)]
    await store.started.wait()
    assert store.reads == 1
    version.expire()  # a write committed while the read was under way
    store.version = 2
    store.gate.set()
    assert await asyncio.gather(*waiting) == [1] * 5  # those requests began before the write
    store.gate = None
    assert await version.current() == 2  # the older answer was not kept
