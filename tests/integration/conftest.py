from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from server.app import create_app
from server.settings import Settings, get_settings

# One app per worker and settings: building it registers every route (~150 ms), which was
# a sixth of the integration tests' time. Each test still gets its own TestClient (its own
# cookies and event loop) and empty tables. A test that changes the settings clears
# get_settings' cache, and the next test gets an app built for the settings it reads.
_apps: dict[int, tuple[Settings, Litestar]] = {}


def app_for_these_settings() -> Litestar:
    settings = get_settings()
    made = _apps.get(id(settings))
    if made is None or made[0] is not settings:
        _apps.clear()  # settings held here keep their id from being reused
        made = _apps[id(settings)] = (settings, create_app())
    return made[1]


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(app=app_for_these_settings(), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client
