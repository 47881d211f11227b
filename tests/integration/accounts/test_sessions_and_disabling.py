"""My sessions and devices (end this one, end all others), timeouts with a controlled clock,
the password asked again before factor changes, and an admin disabling a user: their
sessions and device tokens stop working at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar.testing import TestClient

from server.accounts import sessions
from server.accounts.tables import Session
from server.app import create_app
from server.audit.tables import AuditEvent
from server.settings import get_settings
from tests.support.accounts import PASSWORD, log_in, make_user
from tests.support.entries import open_case, plaintext, register_device, sealed_envelope, sync
from tests.support.run import run


def new_client() -> TestClient:
    return TestClient(app=create_app(), base_url="http://127.0.0.1:8000")


@pytest.fixture
def second_client() -> Iterator[TestClient]:
    with new_client() as other:
        yield other


def csrf(client: TestClient) -> str:
    return client.cookies.get("csrftoken")


def actions() -> list[str]:
    return run(AuditEvent.select(AuditEvent.action).output(as_list=True))


# --- the sessions page -----------------------------------------------------------------------


def test_the_page_lists_my_sessions_and_devices_and_only_mine(client, second_client):
    make_user("ion")
    make_user("maria")
    log_in(client, "ion")
    log_in(second_client, "ion")
    register_device(client, csrf(client), "Ion's phone")
    with new_client() as maria:
        log_in(maria, "maria")
        page = client.get("/account/sessions")
    assert page.status_code == 200
    assert page.text.count('data-session-id="') == 2
    assert "This session" in page.text and "Another session" in page.text
    assert "Ion&#39;s phone" in page.text or "Ion's phone" in page.text
    assert 'id="devices"' in page.text


def test_end_this_one_ends_another_of_my_sessions(client, second_client):
    make_user("ion")
    log_in(client, "ion")
    log_in(second_client, "ion")
    assert second_client.get("/").status_code == 200
    other_id = max(run(Session.select(Session.id).output(as_list=True)))
    response = client.post(f"/account/sessions/{other_id}/end", data={"_csrf_token": csrf(client)})
    assert response.status_code == 200
    assert "That session has ended." in response.text
    assert second_client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/").status_code == 200
    assert "session_ended" in actions()


def test_ending_someone_elses_session_is_a_404_and_ends_nothing(client, second_client):
    make_user("ion")
    make_user("maria")
    log_in(client, "ion")
    log_in(second_client, "maria")
    maria_session = max(run(Session.select(Session.id).output(as_list=True)))
    response = client.post(
        f"/account/sessions/{maria_session}/end", data={"_csrf_token": csrf(client)}
    )
    assert response.status_code == 404
    assert second_client.get("/").status_code == 200
    missing = client.post("/account/sessions/999999/end", data={"_csrf_token": csrf(client)})
    assert missing.status_code == 404


def test_ending_my_own_session_logs_me_out(client):
    make_user("ion")
    log_in(client, "ion")
    mine = run(Session.select(Session.id).first())["id"]
    response = client.post(
        f"/account/sessions/{mine}/end", data={"_csrf_token": csrf(client)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_end_all_others_keeps_this_one(client, second_client):
    make_user("ion")
    log_in(client, "ion")
    log_in(second_client, "ion")
    with new_client() as third:
        log_in(third, "ion")
        response = client.post("/account/sessions/end-others", data={"_csrf_token": csrf(client)})
        assert response.status_code == 200
        assert "Every other session has ended." in response.text
        assert third.get("/", follow_redirects=False).status_code == 303
    assert second_client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/").status_code == 200
    again = client.post("/account/sessions/end-others", data={"_csrf_token": csrf(client)})
    assert "There was no other session." in again.text


def test_the_sessions_page_needs_a_login_and_csrf(client):
    assert client.get("/account/sessions", follow_redirects=False).status_code == 303
    make_user("ion")
    log_in(client, "ion")
    refused = client.post("/account/sessions/end-others")
    assert refused.status_code == 403


# --- timeouts with a controlled clock --------------------------------------------------------


def test_idle_and_absolute_timeouts_with_a_controlled_clock():
    ion = make_user("ion")
    token, _csrf = run(sessions.start_session(ion))
    started = run(Session.select(Session.created_at).first())["created_at"]
    assert run(sessions.load_session(token, at=started + timedelta(minutes=29))) is not None
    # Each request within the idle time keeps it going, up to 12 hours in all.
    moment = started
    for _ in range(23):
        moment += timedelta(minutes=29, seconds=30)
        assert run(sessions.load_session(token, at=moment)) is not None, moment - started
    assert run(sessions.load_session(token, at=started + timedelta(hours=12, seconds=1))) is None
    # Once over, over for good.
    assert run(sessions.load_session(token, at=started + timedelta(minutes=1))) is None

    token, _csrf = run(sessions.start_session(ion))
    row = run(Session.select().where(Session.ended_at.is_null()).first())
    idle_end = row["last_seen_at"] + timedelta(minutes=30, seconds=1)
    assert run(sessions.load_session(token, at=idle_end)) is None


def test_the_idle_timeout_is_configurable(monkeypatch):
    monkeypatch.setenv("ALONGSIDE_SESSION_IDLE_MINUTES", "5")
    get_settings.cache_clear()
    try:
        ion = make_user("ion")
        token, _csrf = run(sessions.start_session(ion))
        start = run(Session.select(Session.last_seen_at).first())["last_seen_at"]
        assert run(sessions.load_session(token, at=start + timedelta(minutes=4))) is not None
        assert run(sessions.load_session(token, at=start + timedelta(minutes=9, seconds=1))) is None
    finally:
        monkeypatch.delenv("ALONGSIDE_SESSION_IDLE_MINUTES")
        get_settings.cache_clear()


def test_each_login_gets_a_new_session_id(client):
    make_user("ion")
    log_in(client, "ion")
    first = client.cookies.get("alongside_session")
    log_in(client, "ion")
    second = client.cookies.get("alongside_session")
    assert first != second
    # Logging in again while logged in ends the earlier session.
    assert run(Session.count().where(Session.ended_at.is_null())) == 1


# --- the password again before a sensitive action --------------------------------------------


def age_reauthentication(minutes: int) -> None:
    """Move the session's last password back in time (the clock, for this session)."""
    moment = sessions.now() - timedelta(minutes=minutes)
    run(Session.update({Session.reauthenticated_at: moment}).where(Session.ended_at.is_null()))


def test_factor_changes_ask_for_the_password_again_after_ten_minutes(client):
    make_user("ion")
    log_in(client, "ion")
    # Just logged in: no question.
    fresh = client.post("/account/second-factor/totp", data={"_csrf_token": csrf(client)})
    assert fresh.status_code == 200 and "totp-secret" in fresh.text

    age_reauthentication(11)
    asked = client.post(
        "/account/second-factor/totp", data={"_csrf_token": csrf(client)}, follow_redirects=False
    )
    assert asked.status_code == 303
    assert asked.headers["location"] == "/account/confirm?next=/account/second-factor"
    options = client.post(
        "/account/second-factor/passkey/options", headers={"X-CSRFToken": csrf(client)}
    )
    assert options.status_code == 401
    assert options.json()["next"].startswith("/account/confirm")

    page = client.get("/account/confirm?next=/account/second-factor")
    assert page.status_code == 200
    wrong = client.post(
        "/account/confirm",
        data={
            "password": "not my password!",
            "next": "/account/second-factor",
            "_csrf_token": csrf(client),
        },
    )
    assert wrong.status_code == 401
    assert "not right" in wrong.text
    right = client.post(
        "/account/confirm",
        data={"password": PASSWORD, "next": "/account/second-factor", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert right.status_code == 303
    assert right.headers["location"] == "/account/second-factor"
    again = client.post("/account/second-factor/totp", data={"_csrf_token": csrf(client)})
    assert again.status_code == 200 and "totp-secret" in again.text
    assert "reauthenticated" in actions() and "reauthentication_failed" in actions()


def test_the_confirm_page_only_sends_back_to_this_site(client):
    make_user("ion")
    log_in(client, "ion")
    response = client.post(
        "/account/confirm",
        data={"password": PASSWORD, "next": "https://evil.example/", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_recently_authenticated_window():
    moment = sessions.now()
    assert sessions.recently_authenticated(moment - timedelta(minutes=9), at=moment)
    assert not sessions.recently_authenticated(moment - timedelta(minutes=11), at=moment)
    assert not sessions.recently_authenticated(None, at=moment)


# --- an admin disables a user ----------------------------------------------------------------


def test_disabling_a_user_ends_their_sessions_and_revokes_their_devices_at_once(
    client, second_client
):
    ion = make_user("ion")
    make_user("admin", role="admin")
    log_in(client, "ion")
    _device, token = register_device(client, csrf(client))
    case_id, _code = open_case(ion)
    first = sealed_envelope(plaintext("visit", case_id))
    assert sync(client, token, [first]).json()["results"][0]["status"] == "stored"

    log_in(second_client, "admin")
    # Only admins may; anyone else is turned away and nothing changes.
    with new_client() as maria_client:
        make_user("maria")
        log_in(maria_client, "maria")
        denied = maria_client.post(
            "/account/users/ion/disable", data={"_csrf_token": csrf(maria_client)}
        )
        assert denied.status_code == 403
    assert client.get("/").status_code == 200

    response = second_client.post(
        "/account/users/ion/disable",
        data={"_csrf_token": csrf(second_client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    # The session is over, the device token refused, the password refused.
    assert client.get("/", follow_redirects=False).status_code == 303
    refused = sync(client, token, [sealed_envelope(plaintext("visit", case_id))])
    assert refused.status_code == 401
    with new_client() as again:
        again.get("/login")
        login = again.post(
            "/login",
            data={
                "username": "ion",
                "password": PASSWORD,
                "_csrf_token": again.cookies.get("csrftoken"),
            },
            follow_redirects=False,
        )
        assert login.status_code == 401
    assert "user_disabled" in actions()

    # Enabled again: the password works; the old phone stays revoked.
    second_client.post("/account/users/ion/enable", data={"_csrf_token": csrf(second_client)})
    log_in(client, "ion")
    assert sync(client, token, [sealed_envelope(plaintext("visit", case_id))]).status_code == 401


def test_disabling_an_unknown_user_or_oneself_is_a_404(client):
    make_user("admin", role="admin")
    log_in(client, "admin")
    assert (
        client.post("/account/users/nobody/disable", data={"_csrf_token": csrf(client)}).status_code
        == 404
    )
    assert (
        client.post("/account/users/admin/disable", data={"_csrf_token": csrf(client)}).status_code
        == 404
    )
    assert client.get("/").status_code == 200


# --- the same from the command line ----------------------------------------------------------


def test_cli_disable_enable_and_reset_factors(client, tmp_path):
    import os
    import subprocess

    from server.accounts import factors
    from server.core.paths import PROJECT_ROOT

    env = os.environ.copy()
    env.pop("PICCOLO_CONF", None)

    def alongside(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(PROJECT_ROOT / ".venv" / "bin" / "alongside"), *args],
            cwd=str(tmp_path),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    ion = make_user("ion")
    log_in(client, "ion")
    _device, token = register_device(client, csrf(client))
    run(factors.start_totp(ion))
    run(factors.new_recovery_codes(ion))

    disabled = alongside("user", "disable", "ION")
    assert disabled.returncode == 0, disabled.stderr
    assert client.get("/", follow_redirects=False).status_code == 303
    assert sync(client, token, []).status_code == 401
    assert alongside("user", "enable", "ion").returncode == 0
    log_in(client, "ion")

    reset = alongside("user", "reset-factors", "ion")
    assert reset.returncode == 0, reset.stderr
    assert run(factors.recovery_codes_left(ion)) == 0
    assert client.get("/", follow_redirects=False).status_code == 303

    unknown = alongside("user", "disable", "nobody")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "alongside: no user named nobody"
    assert {"user_disabled", "user_enabled", "second_factor_reset"} <= set(actions())


def test_the_users_page_for_admins_disables_and_enables(client):
    make_user("admin", role="admin")
    make_user("ion")
    log_in(client, "admin")
    page = client.get("/account/users")
    assert page.status_code == 200
    assert 'action="/account/users/ion/disable"' in page.text
    assert 'action="/account/users/admin/disable"' not in page.text  # not oneself
    response = client.post(
        "/account/users/ion/disable",
        data={"_csrf_token": csrf(client), "next": "/account/users"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/account/users"
    page = client.get("/account/users")
    assert 'action="/account/users/ion/enable"' in page.text
    with new_client() as ion_client:
        make_user("maria")
        log_in(ion_client, "maria")
        assert ion_client.get("/account/users").status_code == 403
