"""Driving Alongside's pages in Chromium: logging in, filling a capture form, waiting for
the service worker."""

from __future__ import annotations

from playwright.sync_api import Page, expect

# `ready` can resolve while the worker is still `activating`: wait for `activated` and a
# controller (FIELD-NOTES.md).
# Installing fetches the static files and the offline copies: generous on a busy machine.
WORKER_TIMEOUT = 45_000
CONTROLLED_BY_ACTIVE_WORKER = """
() => Boolean(
  navigator.serviceWorker.controller &&
  navigator.serviceWorker.controller.state === "activated"
)
"""

CACHE_NAMES = "async () => await caches.keys()"


def log_in(page: Page, username: str, password: str | None = None) -> None:
    if password is None:
        # Imported here: the benchmarks use this module without the server's code loaded.
        from tests.support.accounts import PASSWORD as password
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(username)


def open_from_navigation(page: Page, label: str, more: str = "More") -> None:
    """Follow a link of the main navigation as a person would: from the bar, or from "More"
    when the page is not one of the bar's four."""
    navigation = page.get_by_role("navigation", name="Main")
    link = navigation.get_by_role("link", name=label, exact=True)
    if not link.is_visible():
        navigation.get_by_text(more, exact=True).click()
    link.click()


def fill_required(page: Page, marker: str) -> None:
    form = page.locator("form[data-capture]")
    for select in form.locator("select[required]:not([name=case])").all():
        select.select_option(index=1)
    for field in form.locator("input[type=text][required], textarea[required]").all():
        field.fill(f"{marker} {field.get_attribute('name')}")
    for field in form.locator("input[type=number][required]").all():
        field.fill("3")
    # A risk assessment needs every question answered (the first answer is the calmest).
    for item in form.locator("[data-risk-item]").all():
        item.locator("input[type=radio]").first.check()
    page.get_by_label("Notes").fill(f"{marker} notes")


def wait_until_ready_offline(page: Page) -> None:
    """After logging in: the worker is active and has its offline copies of the pages."""
    page.wait_for_function(CONTROLLED_BY_ACTIVE_WORKER, timeout=WORKER_TIMEOUT)
    page.reload()
    page.wait_for_function(
        "() => document.documentElement.dataset.offlineReady === 'yes'", timeout=20_000
    )
