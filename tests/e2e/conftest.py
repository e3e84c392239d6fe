from collections.abc import Iterator

import pytest

from tests.e2e.stack import Stack


@pytest.fixture(scope="session")
def stack(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The four services running as processes on `backend` (migrated, data loaded, budget synced)."""
    s = Stack(backend=backend, workdir=tmp_path_factory.mktemp(f"e2e-{backend}"))
    try:
        yield s.start()
    finally:
        s.stop()
