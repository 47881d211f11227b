"""A supervisor on a 360 px phone follows the list of cases due for erasure to a case, keeps
one look at the "keep longer" form, and erases the case — in real Chromium against a real
server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from server.cases.services import close_case
from server.cases.tables import Case
from server.entries.tables import Entry
from tests.integration.cases.people import GIVEN_NAME, build_world
from tests.support.accounts import PASSWORD
from tests.support.approvals import decided
from tests.support.capture_page import open_from_navigation
from tests.support.run import run


def no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_supervisor_erases_a_case_due_for_erasure(page: Page, console_errors: list[str]):
    world = build_world()
    for entry_id in (world.north_intake, world.north_visit):
        decided(world.users["sofia"], entry_id, "approved")
    case_id = uuid.UUID(world.north_case)
    run(close_case(case_id, "reintegrated"))
    long_ago = datetime.now(UTC) - timedelta(days=6 * 365)
    run(Case.update({Case.closed_at: long_ago}).where(Case.id == case_id))

    page.goto("/login")
    page.get_by_label("Username").fill("sofia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, sofia")

    open_from_navigation(page, "Due for erasure")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases due for erasure")
    expect(page.get_by_role("link", name=world.south_code)).to_have_count(0)
    no_horizontal_scroll(page)
    page.get_by_role("link", name=world.north_code).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(world.north_code)
    expect(page.locator("#case-retention")).to_contain_text("The retention period ended on")
    no_horizontal_scroll(page)

    page.get_by_role("link", name="Keep longer").click()
    expect(page.get_by_label("Why is it kept?")).to_be_visible()
    no_horizontal_scroll(page)
    page.go_back()

    page.get_by_role("link", name="Erase the case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Erase case {world.north_code}")
    no_horizontal_scroll(page)
    page.get_by_label("The retention period after closing has ended").check()
    page.get_by_label("Type the case code to confirm").fill(world.north_code.lower())
    page.get_by_role("button", name="Erase for good").click()

    expect(page).to_have_url(f"/cases/{world.north_code}")
    expect(page.get_by_role("heading", name="This case was erased")).to_be_visible()
    expect(page.locator("#case-erasure")).to_contain_text("sofia")
    expect(page.get_by_text(GIVEN_NAME)).to_have_count(0)
    no_horizontal_scroll(page)
    rows = run(Entry.select(Entry.wrapped_key).where(Entry.case == case_id))
    assert rows and all(row["wrapped_key"] == "" for row in rows)
    assert console_errors == []
