"""The one source of "now" in every service: a clock on `app.state.clock`, injected into endpoints.

Time-dependent behaviour (a call's status, a submission's reference year, a ledger entry's time, a
key's expiry) reads the clock passed in, never `datetime.now()`, so a test can run it at a fixed
instant (`FixedClock`) and a run across New Year cannot change what a test expects.

Durations (how long a cached answer stays fresh) are measured on a monotonic clock instead, one the
wall clock being set cannot move: `Monotonic`, `time.monotonic` unless a test passes a `FixedMonotonic`
that it moves itself, so no test waits for real seconds to pass.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Annotated, Protocol

from fastapi import Depends, Request


class Clock(Protocol):
    """A callable answering the current instant, timezone-aware (UTC)."""

    def __call__(self) -> dt.datetime: ...


def system_clock() -> dt.datetime:
    """The real clock: the current instant in UTC."""
    return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that answers one instant until moved (tests, replays)."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def set(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a clock answers timezone-aware instants")
        self.at = at

    def advance(self, delta: dt.timedelta) -> None:
        self.at = self.at + delta


Monotonic = Callable[[], float]
"""Seconds on a clock that never goes back, for measuring durations: `time.monotonic` (`monotonic`), or a
`FixedMonotonic` in tests. Only differences between two readings mean anything."""

monotonic: Monotonic = time.monotonic
"""The real monotonic clock."""


class FixedMonotonic:
    """A monotonic clock that answers one reading until moved forward (tests)."""

    def __init__(self, at: float = 0.0) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a monotonic clock never goes back")
        self.at += seconds


def clock_of(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def current_time(request: Request) -> dt.datetime:
    """FastAPI dependency: the app's clock read once for the request (async: a plain `def` dependency
    would be run in the thread pool, a thread hop per request)."""
    return clock_of(request)()


Now = Annotated[dt.datetime, Depends(current_time)]
"""The request's instant, read from `app.state.clock`."""
