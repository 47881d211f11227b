"""A coordinator writes and submits a monthly report on a 360 px phone; the supervisor, on
her own phone, returns it with a comment; the coordinator changes the narrative and submits
again; the supervisor approves it — in real Chromium against a real server."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from server.reports.tables import MonthlyReport
from tests.support.capture_page import log_in, open_from_navigation
from tests.support.reports import PROBLEM_TEXT, build_month
from tests.support.run import run

URL = "/reports/monthly/ana/2025-07"
FIRST = "July: two hearings in Bălți and a training for social assistants."
COMMENT = "Say what the training covered."
SECOND = FIRST + "\n\nThe training covered identification of victims."


def narrow(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def stored() -> dict:
    return run(MonthlyReport.select().first())


def test_write_submit_return_resubmit_approve(
    page: Page,
    browser: Browser,
    browser_context_args: dict,
    console_errors: list[str],
    live_server,
):
    month = build_month()

    log_in(page, "ana")
    open_from_navigation(page, "My reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("My reports")
    narrow(page)

    page.goto(URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Monthly activity report")
    expect(page.locator("#report-period")).to_have_text("July 2025")
    expect(page.locator("#report-status")).to_have_text("Draft")
    expect(page.locator("#section-cases")).to_contain_text(month.team.north_code)
    expect(page.locator("#section-problems")).to_contain_text(PROBLEM_TEXT)
    narrow(page)

    # Submitting before writing the narrative is refused with the reason.
    page.get_by_role("button", name="Submit the report").click()
    expect(page.locator("#report-error")).to_contain_text("Write the narrative")
    narrow(page)

    # The narrative is saved in place (htmx): the page is not reloaded.
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("What happened this month").fill(FIRST)
    page.get_by_role("button", name="Save the narrative").click()
    expect(page.locator("#narrative-saved")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage === true")
    assert stored()["status"] == "draft"
    assert "Bălți" not in str(stored())  # sealed

    page.get_by_role("button", name="Submit the report").click()
    expect(page.locator("#report-status")).to_have_text("Submitted")
    expect(page.locator("#narrative-view")).to_contain_text("two hearings")
    expect(page.get_by_role("button", name="Save the narrative")).to_have_count(0)
    narrow(page)

    # The supervisor returns it with a comment (an empty comment is refused first).
    boss_context = browser.new_context(**browser_context_args)
    boss = boss_context.new_page()
    log_in(boss, "sofia")
    open_from_navigation(boss, "Team reports")
    expect(boss.get_by_role("heading", level=1)).to_have_text("Team reports")
    boss.goto(URL)
    expect(boss.locator("#narrative-view")).to_contain_text("two hearings")
    boss.get_by_role("button", name="Return with this comment").click()
    expect(boss.locator("#report-error")).to_contain_text("needs a comment")
    assert stored()["status"] == "submitted"
    boss.get_by_label("What needs changing?").fill(COMMENT)
    boss.get_by_role("button", name="Return with this comment").click()
    expect(boss.locator("#report-status")).to_have_text("Returned")
    narrow(boss)

    # The coordinator reads why, adds to the narrative and submits again.
    page.goto(URL)
    expect(page.locator("#report-decisions")).to_contain_text(COMMENT)
    expect(page.get_by_label("What happened this month")).to_have_value(FIRST)
    page.get_by_label("What happened this month").fill(SECOND)
    page.get_by_role("button", name="Save the narrative").click()
    expect(page.locator("#narrative-saved")).to_be_visible()
    page.get_by_role("button", name="Submit the report").click()
    expect(page.locator("#report-status")).to_have_text("Submitted")

    boss.goto(URL)
    expect(boss.locator("#narrative-view")).to_contain_text("identification of victims")
    boss.get_by_role("button", name="Approve").click()
    expect(boss.locator("#report-status")).to_have_text("Approved")
    expect(boss.get_by_role("button", name="Approve")).to_have_count(0)
    narrow(boss)
    assert stored()["status"] == "approved"

    # The Word file is one link away.
    with boss.expect_download() as download:
        boss.locator("#report-docx").click()
    assert download.value.suggested_filename == "report-ana-2025-07.docx"
    boss_context.close()
    # The refused submissions answer 422 (a "failed to load" line); nothing else, and no
    # Content Security Policy refusal, may appear.
    unexpected = [error for error in console_errors if "status of 422" not in error]
    assert unexpected == []
    # Neither the narrative, the comment's report nor the problems' sealed text reach the log.
    log = live_server.log()
    for secret in ("two hearings", "identification of victims", PROBLEM_TEXT[:30]):
        assert secret not in log


def test_indicators_on_a_phone(page: Page, console_errors: list[str]):
    build_month()
    log_in(page, "sofia")
    open_from_navigation(page, "Indicators")
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicators")
    page.get_by_label("From").fill("2025-07-01")
    page.get_by_label("To").fill("2025-07-31")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#total-persons_assisted")).to_have_text("<5")
    chart = page.get_by_role("img", name="Persons assisted: By sex")
    expect(chart).to_be_visible()
    narrow(page)
    with page.expect_download() as download:
        page.locator("#indicators-csv").click()
    assert download.value.suggested_filename == "indicators-2025-07-01-2025-07-31.csv"
    text = Path(download.value.path()).read_text()
    assert text.startswith("period_from,period_to,team,region,indicator,htcds_field,category,count")
    assert console_errors == []
