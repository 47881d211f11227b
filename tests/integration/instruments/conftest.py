from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.instruments.services import refresh_library
from tests.support.database import truncate_all
from tests.support.run import run


@pytest.fixture(autouse=True)
def published_versions_forgotten() -> Iterator[None]:
    """A version published by a test leaves the process's risk library with its rows, so the
    next test (of any module) scores with the shipped versions only."""
    yield
    run(truncate_all())
    run(refresh_library())
