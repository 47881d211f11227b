"""Recording, moving and cancelling a scheduled hearing from the phone, offline: the capture
forms offer the case's open hearings from their offline copy (case code and time, nothing
else), and what the coordinator chooses reaches the server and closes the right deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from server.deadlines.services import deadlines_for
from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry, details_of
from tests.support.accounts import make_user
from tests.support.approvals import current_user
from tests.support.capture_page import fill_required, log_in, wait_until_ready_offline
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run

# The test browser's own time zone, in which the forms show and read times.
PHONE_ZONE = ZoneInfo("UTC")


def open_hearings(user_id: int) -> list[datetime]:
    found = run(deadlines_for(current_user(user_id), datetime.now(UTC)))
    return [d.due_at for d in found if d.kind == "hearing"]


def test_an_accompaniment_recorded_offline_names_the_hearing_and_closes_it(
    page: Page, console_errors: list[str], live_server
):
    ion = make_user("ion", team="VPC North", regions=("North",))
    case_id, code = open_case(ion, region="North")
    _other, other_code = open_case(ion, region="North")
    when = (datetime.now(PHONE_ZONE) + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    scheduling = submit(ion, plaintext("accompaniment", case_id, next_hearing_at=when.isoformat()))[
        "id"
    ]
    assert open_hearings(ion) == [when]

    log_in(page, "ion")
    wait_until_ready_offline(page)
    page.context.set_offline(True)
    page.goto("/capture/accompaniment")
    hearing = page.get_by_label("Scheduled hearing")
    # Another case has no hearing to offer: only "no scheduled hearing".
    page.get_by_label("Case").select_option(other_code)
    expect(hearing.locator("option")).to_have_text(["No scheduled hearing"])
    page.get_by_label("Case").select_option(code)
    expect(hearing.locator("option")).to_have_count(2)
    label = hearing.locator("option").nth(1).inner_text()
    assert label.startswith("The hearing of ") and "10:00" in label
    fill_required(page, "SECRET-RECORD")
    hearing.select_option(scheduling)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#capture-status li.status-waiting")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.context.set_offline(False)
    expect(page.locator("#capture-status li.status-sent")).to_have_count(1, timeout=20_000)
    row = run(
        Entry.select(*ENVELOPE_COLUMNS, Entry.details)
        .where((Entry.type == "accompaniment") & (Entry.id != scheduling))
        .first()
    )
    assert open_entry(row)["fields"]["hearing"] == scheduling
    assert details_of(row["details"])["hearing"] == scheduling
    assert open_hearings(ion) == []
    assert [e for e in console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


def test_a_hearing_moved_from_the_hearing_update_form(page: Page, live_server):
    ion = make_user("ion", team="VPC North", regions=("North",))
    case_id, code = open_case(ion, region="North")
    when = (datetime.now(PHONE_ZONE) + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    scheduling = submit(ion, plaintext("accompaniment", case_id, next_hearing_at=when.isoformat()))[
        "id"
    ]

    log_in(page, "ion")
    page.goto("/capture/hearing_update")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hearing moved or cancelled")
    page.get_by_label("Case").select_option(code)
    page.get_by_label("Scheduled hearing").select_option(scheduling)
    page.get_by_label("What changed").select_option("moved")
    page.get_by_label("Notes").fill("SECRET-MOVED notes")
    # Moved needs the new date: the form asks for it before sealing anything.
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#capture-error")).to_be_visible()
    new_when = when + timedelta(days=7, hours=2)
    page.get_by_label("New date and time").fill(new_when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#capture-status li.status-sent")).to_have_count(1, timeout=15_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert open_hearings(ion) == [new_when]

    # Cancelling: the new date is not asked for, and the moved hearing is offered.
    page.goto("/capture/hearing_update")
    page.get_by_label("Case").select_option(code)
    hearing = page.get_by_label("Scheduled hearing")
    expect(hearing.locator("option")).to_have_count(2)
    hearing.select_option(index=1)
    page.get_by_label("What changed").select_option("cancelled")
    expect(page.get_by_label("New date and time")).to_be_disabled()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#capture-status li.status-sent").first).to_be_visible(timeout=15_000)
    expect(page.locator("#capture-status li.status-sent")).to_have_count(2, timeout=15_000)
    assert open_hearings(ion) == []
