"""A supervisor on a 360 px phone filters the case list by coordinator, opens a case and
assigns it to another coordinator — in real Chromium against a real server."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.integration.cases.people import GIVEN_NAME, build_world
from tests.support.accounts import PASSWORD
from tests.support.capture_page import open_from_navigation
from tests.support.entries import open_case


def no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_supervisor_filters_opens_and_assigns_a_case(page: Page, console_errors: list[str]):
    world = build_world()
    _bogdan_case, bogdan_code = open_case(
        world.users["bogdan"], occurred_at="2025-08-01T10:00:00+03:00"
    )

    page.goto("/login")
    page.get_by_label("Username").fill("sofia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, sofia")

    open_from_navigation(page, "Cases")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your team's cases")
    results = page.locator("#case-results")
    expect(results.get_by_role("link", name=world.north_code)).to_be_visible()
    expect(results.get_by_role("link", name=bogdan_code)).to_be_visible()
    expect(page.get_by_text(GIVEN_NAME)).to_have_count(0)
    no_horizontal_scroll(page)

    # Filtering swaps only the results (htmx): the page itself is not reloaded.
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Assigned to").select_option("ana")
    expect(results.get_by_role("link", name=bogdan_code)).to_have_count(0)
    expect(results.get_by_role("link", name=world.north_code)).to_be_visible()
    expect(page).to_have_url("/cases?status=open&region=&coordinator=ana&q=")
    assert page.evaluate("window.stillTheSamePage === true")
    no_horizontal_scroll(page)

    results.get_by_role("link", name=world.north_code).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(world.north_code)
    expect(page.locator("#case-assignee")).to_have_text("ana")
    no_horizontal_scroll(page)

    page.get_by_label("Assign to").select_option(label="bogdan (coordinator)")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page).to_have_url(f"/cases/{world.north_code}")
    expect(page.locator("#case-assignee")).to_have_text("bogdan")
    expect(page.get_by_label("Assign to")).to_have_value(str(world.users["bogdan"]))
    no_horizontal_scroll(page)

    # Back on the list, the filter by ana no longer finds the case.
    page.goto("/cases?coordinator=ana")
    expect(page.locator("#case-results")).to_contain_text("No case matches these filters.")
    assert console_errors == []
