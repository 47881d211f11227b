"""Passkeys in real Chromium with a virtual authenticator (DevTools `WebAuthn` domain): a
supervisor enrols one at the first login, logs in with it, and a missing passkey is a clear
error. The server runs with ALONGSIDE_MFA_ROLES=supervisor,admin and is reached as
`localhost` (an IP address is not a valid WebAuthn relying party id)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from server.accounts.tables import SecondFactor
from tests.support.accounts import PASSWORD, make_user
from tests.support.live_server import LiveServer, start_server
from tests.support.run import run


@pytest.fixture(scope="module")
def mfa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(
        Path(tmp_path_factory.mktemp("mfa-server")),
        extra_env={"ALONGSIDE_MFA_ROLES": "supervisor,admin"},
    )
    yield server
    server.stop()


def origin(server: LiveServer) -> str:
    return f"http://localhost:{server.port}"


def add_authenticator(page: Page) -> tuple[object, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    created = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, created["authenticatorId"]


def password_step(page: Page, server: LiveServer, username: str) -> None:
    page.goto(origin(server) + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_passkey_enrolment_at_first_login_then_login_with_it(
    page: Page, mfa_server: LiveServer, console_errors: list[str]
):
    elena = make_user("elena", role="supervisor")
    page.goto(origin(mfa_server) + "/login")
    cdp, authenticator = add_authenticator(page)

    password_step(page, mfa_server, "elena")
    expect(page).to_have_url(re.compile(r"/account/second-factor"))
    expect(page.get_by_role("status")).to_contain_text("Your role needs a second factor")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Add a passkey").click()

    expect(page.locator("[data-factor-kind=passkey]")).to_have_count(1)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1
    stored = run(SecondFactor.select().where(SecondFactor.user == elena))
    assert [row["kind"] for row in stored] == ["passkey"]
    # The session is full now: recovery codes are made and shown once.
    page.get_by_role("button", name="New recovery codes").click()
    expect(page.locator("#recovery-codes code")).to_have_count(10)
    page.goto(origin(mfa_server) + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, elena")

    # Log out, log in again: the passkey is the second step.
    page.get_by_role("button", name="Log out").click()
    password_step(page, mfa_server, "elena")
    expect(page).to_have_url(re.compile(r"/login/second-factor"))
    page.get_by_role("button", name="Use my passkey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, elena")
    used = run(SecondFactor.select().where(SecondFactor.user == elena).first())
    assert used["last_used_at"] is not None
    assert console_errors == []


def test_a_passkey_the_phone_no_longer_has_is_a_clear_error(page: Page, mfa_server: LiveServer):
    make_user("elena", role="supervisor")
    page.goto(origin(mfa_server) + "/login")
    cdp, authenticator = add_authenticator(page)
    password_step(page, mfa_server, "elena")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator("[data-factor-kind=passkey]")).to_have_count(1)
    page.goto(origin(mfa_server) + "/")
    page.get_by_role("button", name="Log out").click()

    # The phone lost its passkey (reset, new phone): the page says so and stays.
    cdp.send("WebAuthn.clearCredentials", {"authenticatorId": authenticator})
    password_step(page, mfa_server, "elena")
    page.get_by_role("button", name="Use my passkey").click()
    expect(page.locator("#passkey-error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/second-factor"))
    page.goto(origin(mfa_server) + "/")
    expect(page).to_have_url(re.compile(r"/login"))
