"""A coordinator with a registered phone, through the real login and device endpoints."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from litestar.testing import TestClient

from tests.support.accounts import log_in, make_user
from tests.support.entries import register_device


@dataclass(frozen=True)
class Phone:
    user_id: int
    username: str
    device_id: str
    token: str
    csrf: str


def phone_for(client: TestClient, username: str, **user: object) -> Phone:
    """Create the user, log `client` in as them and register a device."""
    user_id = make_user(username, **user)
    csrf = log_in(client, username)
    device_id, token = register_device(client, csrf)
    return Phone(user_id, username, device_id, token, csrf)


@pytest.fixture
def phone(client: TestClient) -> Phone:
    return phone_for(client, "cora", role="coordinator", team="Team North", country="MD")
