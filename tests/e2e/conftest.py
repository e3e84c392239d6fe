from collections.abc import Callable

import pytest

from tests.e2e.stack import Stack
from tests.harness import kept


@pytest.fixture(scope="session")
def stack(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """The four services running as processes on `backend` (migrated, data loaded, budget synced), started
    once per test process and backend (`kept`), stopped when the session ends."""

    def start() -> tuple[Stack, Callable[[], None]]:
        s = Stack(backend=backend, workdir=tmp_path_factory.mktemp(f"e2e-{backend}"))
        try:
            s.start()
        except BaseException:
            s.stop()
            raise
        return s, s.stop

    return kept(("e2e-stack", backend), start)
