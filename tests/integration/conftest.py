from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from server.app import create_app


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(app=create_app(), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client
