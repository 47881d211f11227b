"""A coordinator on a 360 px phone logs in, switches to Romanian, and logs out."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from server.core.i18n import translations
from tests.support.accounts import PASSWORD, make_user


def romanian(message: str) -> str:
    return translations("ro").gettext(message)


def test_login_switch_to_romanian_and_logout(page: Page, console_errors: list[str]):
    make_user("ion", language="en")
    page.goto("/")
    expect(page).to_have_url("/login?next=/")
    page.get_by_label("Username").fill("ion")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, ion")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("button", name="Română").click()
    expect(page.locator("html")).to_have_attribute("lang", "ro")
    greeting = romanian("Hello, %(name)s") % {"name": "ion"}
    assert greeting != "Hello, ion"
    expect(page.get_by_role("heading", level=1)).to_have_text(greeting)
    expect(page.get_by_role("heading", name=romanian("Your cases"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The choice is kept on the account: a fresh login elsewhere is in Romanian too.
    page.get_by_role("button", name=romanian("Log out")).click()
    expect(page).to_have_url("/login")
    cookies = {cookie["name"] for cookie in page.context.cookies()}
    assert "alongside_session" not in cookies
    page.goto("/")
    expect(page).to_have_url("/login?next=/")
    assert console_errors == []


def test_wrong_password_message_is_shown(page: Page):
    make_user("ion")
    page.goto("/login")
    page.get_by_label("Username").fill("ion")
    page.get_by_label("Password").fill("not the right one")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Username")).to_have_value("ion")


def test_changing_the_password_in_albanian_on_a_phone(page: Page, console_errors: list[str]):
    from server.core.i18n import translations as catalogue
    from tests.support.capture_page import log_in

    albanian = catalogue("sq").gettext
    make_user("drita", language="sq")
    page.goto("/login")
    page.locator("#username").fill("drita")
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.get_by_role("link", name=albanian("Sessions and security")).click()
    page.get_by_role("link", name=albanian("Change my password")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(albanian("Change my password"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # A wrong current password: a clear error in Albanian, nothing changed.
    page.get_by_label(albanian("Current password")).fill("not the password")
    page.get_by_label(albanian("New password"), exact=True).fill("lantern orchard seventeen")
    page.get_by_label(albanian("New password again")).fill("lantern orchard seventeen")
    page.get_by_role("button", name=albanian("Change my password")).click()
    expect(page.locator("#password-error")).to_have_text(
        albanian("Your current password is not right.")
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_label(albanian("Current password")).fill(PASSWORD)
    page.get_by_label(albanian("New password"), exact=True).fill("lantern orchard seventeen")
    page.get_by_label(albanian("New password again")).fill("lantern orchard seventeen")
    page.get_by_role("button", name=albanian("Change my password")).click()
    expect(page.locator("#password-notice")).to_contain_text(albanian("Your password has changed."))

    # The new password is the one that works from now on.
    page.get_by_role("button", name=albanian("Log out")).click()
    expect(page).to_have_url("/login")
    log_in(page, "drita", "lantern orchard seventeen")
    # The refused attempt answered 401, which Chromium logs; nothing else went wrong.
    assert [e for e in console_errors if "401 (Unauthorized)" not in e] == []


def test_a_token_renewed_while_the_login_form_is_open_does_not_fail_the_login(page: Page):
    make_user("ion")
    page.goto("/login")
    # Meanwhile a request without the cookie (the outbox, the worker) is given a new token.
    before = {c["name"]: c["value"] for c in page.context.cookies()}["csrftoken"]
    page.context.clear_cookies()
    page.evaluate("async () => { await fetch('/offline'); }")
    after = {c["name"]: c["value"] for c in page.context.cookies()}["csrftoken"]
    assert after != before
    page.get_by_label("Username").fill("ion")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, ion")
