"""Every `/api/v1` operation fuzzed from the app's own OpenAPI description (schemathesis):
valid and invalid requests, signed in with a session (cookie + CSRF) and a device token.
No answer may be a 5xx, and every request that breaks the description gets a 4xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar.testing import TestClient
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, not_a_server_error

from server.app import create_app
from server.operations.openapi import SCHEMA_PATH
from tests.support.accounts import log_in, make_user
from tests.support.entries import open_case, register_device

# schemathesis drives this instance (and its lifespan); the fixtures use their own.
schema = schemathesis.openapi.from_asgi(SCHEMA_PATH, create_app())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=40,
    with_security_parameters=False,
)
# Every refusal is a 4xx: 413 (too many entries) and 422 (a push endpoint off the allowlist)
# included, which schemathesis would otherwise not count as a rejection.
schema.config.checks.negative_data_rejection.expected_statuses = [
    str(status) for status in range(400, 500)
]


@pytest.fixture
def credentials() -> dict:
    """A coordinator's session and a device token, made through the real HTTP stack."""
    ion = make_user("ion")
    open_case(ion)
    with TestClient(app=create_app(), base_url="http://127.0.0.1:8000") as client:
        csrf = log_in(client, "ion")
        _device, token = register_device(client, csrf)
        session = client.cookies.get("alongside_session")
    return {"session": session, "csrf": csrf, "token": token}


def test_the_description_lists_only_the_api_and_every_api_operation():
    with TestClient(app=create_app()) as client:
        described = client.get(SCHEMA_PATH).json()
    paths = set(described["paths"])
    assert all(path.startswith("/api/v1/") for path in paths)
    for path in (
        "/api/v1/sync",
        "/api/v1/devices",
        "/api/v1/sealing-key",
        "/api/v1/entries/status",
    ):
        assert path in paths
    sync = described["paths"]["/api/v1/sync"]["post"]
    assert sync["requestBody"]["content"]["application/json"]["schema"]["required"] == ["entries"]


@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_error_and_every_invalid_request_refused(case, credentials):
    # The real credentials on every request: the fuzzing is of what a signed-in person or a
    # registered phone can send (refusals of bad tokens are tested elsewhere).
    headers = {
        "X-CSRFToken": credentials["csrf"],
        "Authorization": f"Bearer {credentials['token']}",
    }
    case.call_and_validate(
        headers=headers,
        cookies={"alongside_session": credentials["session"], "csrftoken": credentials["csrf"]},
        checks=[not_a_server_error, negative_data_rejection],
    )
