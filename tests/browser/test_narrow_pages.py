"""The pages a coordinator, a supervisor and shelter staff open most, on a 360 × 740 phone in
each of the five languages: nothing wider than the screen, and every page of the navigation
within reach (the bar's four, and the rest behind "More"). One browser context per role and
language, logged in once; screenshots go to the test's temporary folder for a person to look
at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from server.core.i18n import LANGUAGES
from server.core.navigation import NAVIGATION
from tests.support.accounts import make_user
from tests.support.capture_page import log_in
from tests.support.entries import open_case, plaintext, submit
from tests.support.reports import build_month

WIDTH, HEIGHT = 360, 740


def seed() -> dict[str, str]:
    """A team's month of work (July 2025), a hearing and a follow-up in the coming days, a
    resident of a shelter, entries waiting for approval."""
    month = build_month()
    ana = month.team.users["ana"]
    hearing = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    for fields in (
        {"institution": "court", "hearing_type": "trial", "next_hearing_at": hearing.isoformat()},
        {"follow_up_on": (hearing + timedelta(days=3)).date().isoformat()},
    ):
        kind = "accompaniment" if "institution" in fields else "referral"
        assert submit(ana, plaintext(kind, month.team.north_code, **fields))["status"] == "stored"
    sara = make_user("sara", "shelter", "Shelter Pristina", country="XK", regions=("Prishtinë",))
    _id, resident = open_case(sara, region="Prishtinë")
    return {"case": month.team.north_code, "resident": resident}


def switch_language(page: Page, language: str) -> None:
    page.locator(f'.language-switch button[value="{language}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", language)


# Boxes that scroll sideways inside the page (a table in an `overflow-x: auto` wrapper): the
# page itself fits, yet the person still has to find the columns off to the right.
SIDEWAYS = """
() => Array.from(document.querySelectorAll("main *"))
  .filter((e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX))
  .filter((e) => e.scrollWidth > e.clientWidth + 1)
  .map((e) => (e.id || e.className || e.tagName) + ": " + e.scrollWidth + " px")
"""


# The page and what htmx loads into it at once (Home's overdue reassessments) are in:
# quicker than waiting for half a second of network silence after every page.
SETTLED = """
() => document.readyState === "complete"
  && !document.querySelector('[hx-trigger="load"], .htmx-request')
"""


def assert_fits(page: Page, shots: Path, name: str) -> None:
    page.wait_for_function(SETTLED)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert width <= page.evaluate("innerWidth"), f"{name}: {width} px wide"
    assert page.evaluate(SIDEWAYS) == [], f"{name} scrolls sideways inside"


def in_view(page: Page, locator) -> bool:
    box = locator.bounding_box()
    return bool(
        box
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= WIDTH + 0.5
        and box["y"] + box["height"] <= HEIGHT + 0.5
    )


def assert_navigation_reachable(page: Page, shots: Path, name: str) -> int:
    """Every link of the navigation can be seen and tapped: in the bar, or once "More" is
    open. Returns how many there are."""
    navigation = page.locator("nav.mainnav")
    bar = navigation.locator(".mainnav-bar > li > a")
    for link in bar.all():
        assert in_view(page, link), f"{name}: {link.inner_text()} is off screen"
    hidden = navigation.locator(".mainnav-more details a")
    count = bar.count() + hidden.count()
    if hidden.count():
        summary = navigation.locator(".mainnav-more summary")
        assert in_view(page, summary)
        summary.focus()
        page.keyboard.press("Enter")  # a keyboard opens it as a tap does
        for link in hidden.all():
            expect(link).to_be_visible()
            assert in_view(page, link), f"{name}: {link.inner_text()} is off screen in More"
        page.screenshot(path=str(shots / f"{name}-more.png"))
        page.keyboard.press("Escape")  # closes it, and the focus stays on "More"
        expect(hidden.first).to_be_hidden()
        assert page.evaluate("document.activeElement.matches('.mainnav-more summary')")
    return count


def assert_desktop_strip(page: Page, shots: Path, name: str) -> None:
    """On a desktop the same navigation is a strip under the top bar; "More" opens below."""
    page.set_viewport_size({"width": 1280, "height": 800})
    try:
        navigation = page.locator("nav.mainnav")
        assert navigation.bounding_box()["y"] < 120
        page.locator(".mainnav-more summary").click()
        menu = page.locator(".mainnav-more details > ul")
        expect(menu).to_be_visible()
        assert menu.bounding_box()["y"] >= navigation.bounding_box()["y"]
        page.screenshot(path=str(shots / f"{name}-desktop.png"))
        page.mouse.click(640, 500)  # a tap elsewhere closes it
        expect(menu).to_be_hidden()
    finally:
        page.set_viewport_size({"width": WIDTH, "height": HEIGHT})


def visit(page: Page, shots: Path, language: str, role: str, paths: list[str]) -> None:
    for number, path in enumerate(paths):
        page.goto(path)
        assert_fits(page, shots, f"{language}-{role}-{number}")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_pages_fit_a_phone_in_every_language(
    language: str,
    browser: Browser,
    browser_context_args: dict,
    tmp_path: Path,
):
    codes = seed()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    roles = {
        "coordinator": (
            "ana",
            len(NAVIGATION["coordinator"]),
            [
                "/",
                f"/cases/{codes['case']}",
                "/capture",
                "/capture/accompaniment",
                "/upcoming",
                "/reports",
                "/reports/monthly/ana/2025-07",
            ],
        ),
        "supervisor": (
            "sofia",
            len(NAVIGATION["supervisor"]),
            [
                "/",
                "/approvals",
                "/reports",
                "/indicators",
                "/indicators?from=2025-07-01&to=2025-07-31",
                f"/cases/{codes['case']}",
            ],
        ),
        "shelter": (
            "sara",
            len(NAVIGATION["shelter"]),
            ["/", "/risk/board", f"/cases/{codes['resident']}", "/upcoming"],
        ),
    }
    for role, (username, pages, paths) in roles.items():
        context = browser.new_context(**browser_context_args)
        page = context.new_page()
        try:
            log_in(page, username)
            switch_language(page, language)
            assert page.viewport_size == {"width": WIDTH, "height": HEIGHT}
            assert assert_navigation_reachable(page, shots, f"{language}-{role}-nav") == pages
            if language == "en":
                assert_desktop_strip(page, shots, f"{language}-{role}")
            visit(page, shots, language, role, paths)
        finally:
            context.close()
    print(f"\nscreenshots of {language}: {shots}")
