"""The second factor through the real HTTP stack: forced enrolment at the first login of a
role that needs one, TOTP codes used once, recovery codes, throttling, an admin's reset.
Passkeys are tested in real Chromium (tests/browser/test_passkeys.py)."""

from __future__ import annotations

import base64
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient

from server.accounts import factors, throttle
from server.accounts.tables import RecoveryCode, SecondFactor, Session
from server.accounts.throttle import FREE_PER_PAIR
from server.app import create_app
from server.audit.tables import AuditEvent
from server.settings import get_settings
from tests.support.accounts import PASSWORD, csrf_from, make_user
from tests.support.run import run

CODE = re.compile(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>")


@pytest.fixture
def mfa_roles(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Supervisors and admins need a second factor (the deployment's default)."""
    monkeypatch.setenv("ALONGSIDE_MFA_ROLES", "supervisor,admin")
    get_settings.cache_clear()
    yield
    monkeypatch.setenv("ALONGSIDE_MFA_ROLES", "")
    get_settings.cache_clear()


@pytest.fixture
def client(mfa_roles) -> Iterator[TestClient]:
    with TestClient(app=create_app(), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def password_step(client: TestClient, username: str, next_path: str = "/") -> str:
    client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "next": next_path,
            "_csrf_token": csrf_from(client),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def csrf(client: TestClient) -> str:
    return client.cookies.get("csrftoken")


def enrol_totp(client: TestClient, user_id: int) -> tuple[bytes, list[str]]:
    """Add an authenticator app through the pages; returns (secret, recovery codes)."""
    page = client.post("/account/second-factor/totp", data={"_csrf_token": csrf(client)})
    assert page.status_code == 200, page.text
    enrolment = run(factors.pending_totp(user_id))
    assert enrolment.secret_base32 in page.text
    code = factors.totp_code(enrolment.secret, datetime.now(UTC))
    confirmed = client.post(
        "/account/second-factor/totp/confirm",
        data={"code": code, "_csrf_token": csrf(client)},
    )
    assert confirmed.status_code == 200, confirmed.text
    codes = CODE.findall(confirmed.text)
    return enrolment.secret, codes


def second_step(client: TestClient, code: str) -> int:
    response = client.post(
        "/login/second-factor",
        data={"code": code, "next": "/", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    return response.status_code


def session_cookie(client: TestClient) -> str:
    return client.cookies.get("alongside_session")


# --- enrolment at the first login ------------------------------------------------------------


def test_first_login_of_a_supervisor_forces_enrolment_and_opens_nothing_else(client):
    elena = make_user("elena", role="supervisor")
    location = password_step(client, "elena", "/cases")
    assert location.startswith("/login/second-factor")
    step = client.get(location, follow_redirects=False)
    assert step.status_code == 303
    assert step.headers["location"].startswith("/account/second-factor")

    # Half-way in, no page, no API and no device registration opens.
    for path in ("/", "/cases", "/audit"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login")
    assert (
        client.get("/login", follow_redirects=False)
        .headers["location"]
        .startswith("/login/second-factor")
    )
    device = client.post(
        "/api/v1/devices", json={"name": "phone"}, headers={"X-CSRFToken": csrf(client)}
    )
    assert device.status_code == 401

    before = session_cookie(client)
    _secret, codes = enrol_totp(client, elena)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert session_cookie(client) != before  # a new session id once the factor is given
    assert client.get("/").status_code == 200
    # The half-way session is over: only the new one is live.
    live = run(Session.count().where(Session.ended_at.is_null()))
    assert live == 1
    assert run(Session.count()) == 2
    actions = run(AuditEvent.select(AuditEvent.action).output(as_list=True))
    assert "second_factor_added" in actions


def test_a_role_without_the_requirement_logs_in_with_the_password(client):
    make_user("ion", role="coordinator")
    assert password_step(client, "ion") == "/"
    assert client.get("/").status_code == 200


def test_a_coordinator_who_enrolled_is_asked_too(client):
    ion = make_user("ion", role="coordinator")
    password_step(client, "ion")
    client.get("/account/second-factor")
    _secret, _codes = enrol_totp(client, ion)
    client.post("/logout", data={"_csrf_token": csrf(client)})
    assert password_step(client, "ion").startswith("/login/second-factor")


def test_a_wrong_enrolment_code_keeps_the_key_and_says_so(client):
    elena = make_user("elena", role="supervisor")
    password_step(client, "elena")
    client.post("/account/second-factor/totp", data={"_csrf_token": csrf(client)})
    secret = run(factors.pending_totp(elena)).secret
    moment = datetime.now(UTC)
    valid = {
        factors.totp_code(secret, moment + timedelta(seconds=s)) for s in (-60, -30, 0, 30, 60)
    }
    wrong_code = next(f"{n:06d}" for n in range(10) if f"{n:06d}" not in valid)
    wrong = client.post(
        "/account/second-factor/totp/confirm",
        data={"code": wrong_code, "_csrf_token": csrf(client)},
    )
    assert wrong.status_code == 400
    assert "not right" in wrong.text
    assert base64.b32encode(secret).decode().rstrip("=") in wrong.text
    assert not run(factors.has_factor(elena))


# --- logging in with the second factor ------------------------------------------------------


def enrolled_supervisor(client: TestClient) -> tuple[int, bytes, list[str]]:
    elena = make_user("elena", role="supervisor")
    password_step(client, "elena")
    secret, codes = enrol_totp(client, elena)
    client.post("/logout", data={"_csrf_token": csrf(client)})
    return elena, secret, codes


def test_a_totp_code_opens_the_session_once_and_never_again(client):
    _elena, secret, _codes = enrolled_supervisor(client)
    # The enrolment spent the current step; the next step's code works (clock drift).
    later = datetime.now(UTC) + timedelta(seconds=30)
    code = factors.totp_code(secret, later)
    assert password_step(client, "elena").startswith("/login/second-factor")
    page = client.get("/login/second-factor")
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.text
    assert second_step(client, code) == 303
    assert client.get("/").status_code == 200
    client.post("/logout", data={"_csrf_token": csrf(client)})

    # The same code again, even within its 30 seconds: refused.
    password_step(client, "elena")
    assert second_step(client, code) == 401
    assert client.get("/", follow_redirects=False).status_code == 303
    actions = run(AuditEvent.select(AuditEvent.action).output(as_list=True))
    assert "second_factor_totp" in actions and "second_factor_failed" in actions


def test_totp_steps_with_a_controlled_clock():
    elena = make_user("elena", role="supervisor")
    moment = datetime(2026, 3, 1, 12, 0, 10, tzinfo=UTC)
    enrolment = run(factors.start_totp(elena))
    secret = enrolment.secret
    assert run(factors.confirm_totp(elena, factors.totp_code(secret, moment), at=moment))
    # A code of the step before the one used is refused (steps only move forward) …
    earlier = moment - timedelta(seconds=30)
    assert not run(factors.verify_totp(elena, factors.totp_code(secret, earlier), at=moment))
    # … one step later is fine, two steps away is not.
    one_later = moment + timedelta(seconds=30)
    assert run(factors.verify_totp(elena, factors.totp_code(secret, one_later), at=one_later))
    far = moment + timedelta(minutes=5)
    stale = factors.totp_code(secret, far - timedelta(seconds=90))
    assert not run(factors.verify_totp(elena, stale, at=far))
    assert run(factors.verify_totp(elena, factors.totp_code(secret, far), at=far))
    # Not six digits: refused without a look at the secret.
    assert not run(factors.verify_totp(elena, "12345", at=far))
    assert not run(factors.verify_totp(elena, "abcdef", at=far))


def test_recovery_codes_work_once_each(client):
    elena, _secret, codes = enrolled_supervisor(client)
    password_step(client, "elena")
    assert second_step(client, codes[0].upper()) == 303  # case and dash do not matter
    assert client.get("/").status_code == 200
    client.post("/logout", data={"_csrf_token": csrf(client)})
    password_step(client, "elena")
    assert second_step(client, codes[0]) == 401
    assert run(factors.recovery_codes_left(elena)) == 9
    # New codes replace the old ones.
    assert second_step(client, codes[1]) == 303
    page = client.post("/account/second-factor/recovery-codes", data={"_csrf_token": csrf(client)})
    fresh = CODE.findall(page.text)
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    assert not run(factors.use_recovery_code(elena, codes[2]))
    assert run(factors.use_recovery_code(elena, fresh[0]))


def test_wrong_codes_are_throttled(client):
    enrolled_supervisor(client)
    password_step(client, "elena")
    for _ in range(FREE_PER_PAIR):
        assert second_step(client, "999999") in (401, 303)
    assert second_step(client, "999999") == 429


def test_strangers_wrong_passwords_do_not_hold_back_the_owners_second_factor(client):
    """The second step has its own counts: fifty wrong passwords for the name from another
    address slow neither the owner's password nor their code, and passing the second factor
    clears the name's count."""
    _elena, secret, _codes = enrolled_supervisor(client)
    for _ in range(50):
        run(throttle.record_failure("login", "elena", "203.0.113.66"))
    password_step(client, "elena")
    code = factors.totp_code(secret, datetime.now(UTC) + timedelta(seconds=30))
    assert second_step(client, code) == 303
    assert run(throttle.seconds_to_wait("login", "elena", "testclient")) == 0
    # The stranger's own address still waits: its pair count stays.
    assert run(throttle.seconds_to_wait("login", "elena", "203.0.113.66")) > 0


def test_an_empty_code_is_a_clear_error(client):
    enrolled_supervisor(client)
    password_step(client, "elena")
    response = client.post("/login/second-factor", data={"code": " ", "_csrf_token": csrf(client)})
    assert response.status_code == 400
    assert "Enter the code" in response.text


def test_the_second_factor_pages_need_the_password_first(client):
    assert (
        client.get("/login/second-factor", follow_redirects=False)
        .headers["location"]
        .startswith("/login")
    )
    response = client.post(
        "/login/second-factor",
        data={"code": "123456", "_csrf_token": csrf_from(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    options = client.post(
        "/login/second-factor/passkey/options", headers={"X-CSRFToken": csrf_from(client)}
    )
    assert options.status_code == 404
    enrol = client.post("/account/second-factor/totp", data={"_csrf_token": csrf_from(client)})
    assert enrol.status_code in (303, 200)
    assert not run(SecondFactor.exists())


def test_a_half_way_session_with_a_factor_cannot_enrol_another(client):
    enrolled_supervisor(client)
    password_step(client, "elena")
    page = client.get("/account/second-factor", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login/second-factor")
    response = client.post(
        "/account/second-factor/totp", data={"_csrf_token": csrf(client)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert run(SecondFactor.count()) == 1


def test_the_last_factor_of_a_role_that_needs_one_stays(client):
    elena, _secret, codes = enrolled_supervisor(client)
    password_step(client, "elena")
    assert second_step(client, codes[0]) == 303
    (factor,) = run(factors.factors_of(elena))
    response = client.post(
        f"/account/second-factor/{factor.id}/remove", data={"_csrf_token": csrf(client)}
    )
    assert response.status_code == 400
    assert "add another one" in response.text
    assert run(factors.has_factor(elena))
    # Someone else's factor id: 404, as for anything not yours.
    other = client.post("/account/second-factor/999999/remove", data={"_csrf_token": csrf(client)})
    assert other.status_code == 404


def test_totp_secrets_are_not_stored_in_clear(client, data_dir):
    _elena, secret, _codes = enrolled_supervisor(client)
    stored = run(SecondFactor.select(SecondFactor.totp_secret).first())["totp_secret"]
    assert secret not in base64.urlsafe_b64decode(stored)
    assert base64.b32encode(secret).decode().rstrip("=") not in stored
    hashes = run(RecoveryCode.select(RecoveryCode.code_hash).output(as_list=True))
    assert len(hashes) == 10
    if (data_dir / "alongside.db").exists() and not get_settings().uses_postgres:
        raw = (data_dir / "alongside.db").read_bytes()
        assert secret not in raw
        sqlite3.connect(data_dir / "alongside.db").close()


# --- an admin's reset ------------------------------------------------------------------------


def test_an_admin_resets_a_users_factors_and_the_audit_log_says_so(client, monkeypatch):
    elena, _secret, codes = enrolled_supervisor(client)
    # Elena's live session ends with the reset.
    password_step(client, "elena")
    assert second_step(client, codes[0]) == 303
    with TestClient(app=create_app(), base_url="http://127.0.0.1:8000") as admin_client:
        admin = make_user("admin", role="admin")
        password_step(admin_client, "admin")
        enrol_totp(admin_client, admin)
        # A supervisor may not reset anyone (guarded by role).
        denied = client.post(
            "/account/users/admin/second-factor/reset", data={"_csrf_token": csrf(client)}
        )
        assert denied.status_code == 403
        missing = admin_client.post(
            "/account/users/nobody/second-factor/reset",
            data={"_csrf_token": csrf(admin_client)},
        )
        assert missing.status_code == 404
        response = admin_client.post(
            "/account/users/elena/second-factor/reset",
            data={"_csrf_token": csrf(admin_client)},
            follow_redirects=False,
        )
        assert response.status_code == 303
    assert not run(factors.has_factor(elena))
    assert run(factors.recovery_codes_left(elena)) == 0
    assert client.get("/", follow_redirects=False).status_code == 303
    event = run(AuditEvent.select().where(AuditEvent.action == "second_factor_reset").first())
    assert event["actor_name"] == "admin" and event["object_id"] == str(elena)
    # Next login: enrolment again.
    client.cookies.clear()
    location = password_step(client, "elena")
    assert (
        client.get(location, follow_redirects=False)
        .headers["location"]
        .startswith("/account/second-factor")
    )
