"""Changing one's own password: the current one first, the same rules as everywhere (12
characters, not a common password), a clear error in the user's language that changes
nothing, guessing throttled like logging in, and every other session ended."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from server.accounts.tables import User
from server.app import create_app
from server.audit.tables import AuditEvent
from tests.support.accounts import PASSWORD, log_in, make_user
from tests.support.run import run

NEW = "lantern orchard seventeen"


@pytest.fixture
def second_client() -> Iterator[TestClient]:
    with TestClient(app=create_app(), base_url="http://127.0.0.1:8000") as other:
        yield other


def change(client: TestClient, current: str, new: str, again: str | None = None):
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": new,
            "new_password_again": new if again is None else again,
            "_csrf_token": client.cookies.get("csrftoken"),
        },
    )


def password_hash(username: str) -> str:
    return run(User.select(User.password_hash).where(User.username == username).first())[
        "password_hash"
    ]


def test_a_user_changes_their_password_and_other_sessions_end(client, second_client):
    make_user("ion")
    log_in(client, "ion")
    log_in(second_client, "ion")
    assert client.get("/account/password").status_code == 200
    answer = change(client, PASSWORD, NEW)
    assert answer.status_code == 200
    assert "Your password has changed." in answer.text
    assert "Every other session has ended." in answer.text
    # This session goes on; the other one is over; only the new password logs in.
    assert client.get("/account/sessions").status_code == 200
    assert second_client.get("/account/sessions", follow_redirects=False).status_code in (
        302,
        303,
        401,
    )
    second_client.cookies.clear()
    log_in(second_client, "ion", NEW)
    actions = run(AuditEvent.select(AuditEvent.action).output(as_list=True))
    assert "password_changed" in actions
    assert NEW not in str(run(AuditEvent.select()))


@pytest.mark.parametrize(
    ("current", "new", "again", "status", "message"),
    [
        ("not my password at all", NEW, None, 401, "Your current password is not right."),
        (PASSWORD, NEW, NEW + "x", 422, "The two new passwords are not the same."),
        (PASSWORD, "short one", None, 422, "A password needs at least 12 characters."),
        (PASSWORD, "password1234", None, 422, "one of the most common ones"),
        (PASSWORD, PASSWORD, None, 422, "the one you have now"),
        (PASSWORD, "x" * 1025, None, 422, "at most 1024 characters"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(client, current, new, again, status, message):
    make_user("ion")
    log_in(client, "ion")
    before = password_hash("ion")
    answer = change(client, current, new, again)
    assert answer.status_code == status
    assert message in answer.text
    assert password_hash("ion") == before
    assert client.get("/account/sessions").status_code == 200  # still logged in


def test_the_error_is_in_the_users_language(client):
    make_user("drita", language="sq")
    log_in(client, "drita")
    answer = change(client, PASSWORD, "short one")
    assert answer.status_code == 422
    assert "A password needs at least" not in answer.text
    assert "12" in answer.text


def test_guessing_the_current_password_is_throttled(client):
    make_user("ion")
    log_in(client, "ion")
    statuses = [change(client, f"guess number {n}", NEW).status_code for n in range(12)]
    assert statuses[0] == 401
    assert statuses[-1] == 429
    assert change(client, PASSWORD, NEW).status_code == 429  # even the right one, for now
    assert "password_change_failed" in run(
        AuditEvent.select(AuditEvent.action).output(as_list=True)
    )


def test_strangers_are_sent_to_log_in(client):
    assert client.get("/account/password", follow_redirects=False).status_code in (302, 303, 401)
    client.get("/login")
    refused = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW},
        follow_redirects=False,
    )
    assert refused.status_code in (302, 303, 401, 403)
