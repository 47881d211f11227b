"""A coordinator on a 360 px phone opens a case with 130 entries, many logged at the same
minute: the page shows the newest 50, and "Show older entries" brings the rest 50 at a time
into the same list, each entry once, until there is nothing older and the button is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from server.entries.tables import Entry
from tests.support.accounts import make_user
from tests.support.capture_page import log_in
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run

START = datetime(2025, 8, 1, 7, 0, tzinfo=UTC)


def test_show_older_entries_until_all_are_shown(page: Page, console_errors, tmp_path: Path):
    ion = make_user("ion", team="VPC North", regions=("North",))
    case_id, code = open_case(ion, region="North")
    for n in range(129):  # with the intake, 130; runs of 20 share a minute
        moment = START + timedelta(minutes=n // 20)
        result = submit(ion, plaintext("visit", code, occurred_at=moment.isoformat()))
        assert result["status"] == "stored", result
    rows = run(Entry.select(Entry.id, Entry.occurred_at).where(Entry.case == case_id))
    rows.sort(key=lambda row: (row["occurred_at"], str(row["id"])), reverse=True)
    expected = [f"/entries/{row['id']}" for row in rows]

    log_in(page, "ion")
    page.goto(f"/cases/{code}")
    items = page.locator("#timeline > li.timeline-item")
    older = page.get_by_role("button", name="Show older entries")
    expect(items).to_have_count(50)
    clicks = 0
    while older.count():
        shown = items.count()
        older.scroll_into_view_if_needed()
        # For a person to look at: the button at the end of the list.
        page.screenshot(path=str(tmp_path / f"older-{clicks}.png"))
        older.click()
        expect(items).to_have_count(min(shown + 50, len(expected)))
        # The focus goes on to the first of the older entries, not back to the top.
        expect(items.nth(shown).locator("a.timeline-type")).to_be_focused()
        clicks += 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{width} px wide"
    assert clicks == 2
    links = page.locator("#timeline > li.timeline-item a.timeline-type")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == expected
    assert page.locator("#timeline > li").count() == len(expected)  # no button left behind
    expect(page.get_by_role("link", name="Show identity")).to_be_visible()
    assert console_errors == []
