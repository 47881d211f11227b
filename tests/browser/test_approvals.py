"""Approvals in real Chromium at 360 px: the full cycle (submit → return with a comment →
correct offline → resubmit → approve) across a coordinator's and a supervisor's phones, and
clearing a queue of forty entries at once."""

from __future__ import annotations

import time
from datetime import datetime

from playwright.sync_api import Browser, Page, expect

from server.accounts.sessions import load_user
from server.approvals.services import decide
from server.approvals.tables import Decision
from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry
from tests.support.accounts import make_user
from tests.support.capture_page import fill_required, log_in, wait_until_ready_offline
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run

COMMENT = "Say which court the hearing was at."
HOSTILE = 'FIRST account\' data-x="1"><img src=x onerror=alert(1)></div><script>alert(2)</script>'


def team_with_case() -> tuple[int, int, str]:
    """ion (coordinator) and elena (supervisor) of VPC North, with a case whose intake is
    approved already (so the queue holds only what the test logs)."""
    ion = make_user("ion", team="VPC North", regions=("North",))
    elena = make_user("elena", role="supervisor", team="VPC North")
    _case, code = open_case(ion, region="North")
    intake = run(Entry.select(Entry.id).first())
    run(decide(run(load_user(elena)), str(intake["id"]), "approved"))
    return ion, elena, code


def narrow(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def visits() -> list[dict]:
    return sorted(
        run(
            Entry.select(Entry.id, Entry.status, Entry.revises, Entry.received_at).where(
                Entry.type == "visit"
            )
        ),
        key=lambda row: row["received_at"],
    )


def test_submit_return_correct_offline_resubmit_approve(
    page: Page, browser: Browser, browser_context_args: dict, console_errors: list[str]
):
    _ion, _elena, code = team_with_case()

    # The coordinator logs a visit.
    log_in(page, "ion")
    wait_until_ready_offline(page)
    page.goto("/capture/visit")
    page.get_by_label("Case").select_option(code)
    fill_required(page, "FIRST")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#capture-status li.status-sent")).to_have_count(1, timeout=15_000)
    [first] = visits()

    # The supervisor, on her own phone, returns it with a comment.
    supervisor_context = browser.new_context(**browser_context_args)
    boss = supervisor_context.new_page()
    log_in(boss, "elena")
    boss.get_by_role("link", name="Approvals").click()
    expect(boss.get_by_role("heading", level=1)).to_have_text("Approvals")
    rows = boss.locator(".queue-row")
    expect(rows).to_have_count(1)
    narrow(boss)
    rows.first.get_by_role("link", name="Visit").click()
    expect(boss.get_by_text("FIRST notes")).to_be_visible()
    # Returning without a comment is refused, in place, and nothing changes.
    boss.get_by_role("button", name="Return with this comment").click()
    expect(boss.locator("#review-error")).to_contain_text("needs a comment")
    assert run(Decision.count()) == 1  # the intake's
    boss.get_by_label("What needs correcting?").fill(COMMENT)
    boss.get_by_role("button", name="Return with this comment").click()
    expect(boss.locator("#review-outcome")).to_have_text("Returned with your comment.")
    expect(boss.locator("#entry-status")).to_have_text("Returned")
    narrow(boss)
    assert visits()[0]["status"] == "returned"

    # The coordinator sees why, and corrects it from the capture page with no signal.
    page.goto("/returned")
    expect(page.locator("#returned-list")).to_contain_text(COMMENT)
    narrow(page)
    page.get_by_role("link", name="Correct").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Visit")
    assert f"revises={first['id']}" in page.url
    expect(page.locator("#capture-return-comment")).to_contain_text(COMMENT)
    page.context.set_offline(True)
    page.get_by_label("Case").select_option(code)
    fill_required(page, "SECOND")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#capture-status li.status-waiting")).to_have_count(1, timeout=15_000)
    assert len(visits()) == 1
    page.context.set_offline(False)
    wait_for(lambda: len(visits()) == 2)
    old, new = visits()
    assert str(new["revises"]) == str(old["id"])
    assert (old["status"], new["status"]) == ("returned", "submitted")

    # Back in the queue; the supervisor reads the history and approves.
    boss.goto("/approvals")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("corrected")
    rows.first.get_by_role("link").click()
    expect(boss.get_by_text("SECOND notes")).to_be_visible()
    expect(boss.locator("#history")).to_contain_text(COMMENT)
    boss.get_by_role("button", name="Approve").click()
    expect(boss.locator("#review-outcome")).to_have_text("Approved.")
    expect(boss.locator("#entry-status")).to_have_text("Approved")
    expect(boss.locator("#history")).to_contain_text("Approved by elena")
    narrow(boss)
    assert [row["status"] for row in visits()] == ["returned", "approved"]

    # The coordinator's entry page says so; nothing is left to correct.
    page.goto(f"/entries/{new['id']}")
    expect(page.locator("#history")).to_contain_text("Approved by elena")
    page.goto("/returned")
    expect(page.locator("#returned-list")).to_have_count(0)
    supervisor_context.close()
    assert [e for e in console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


def test_a_supervisor_clears_forty_entries_from_a_phone(page: Page, console_errors: list[str]):
    ion, _elena, code = team_with_case()
    for number in range(41):
        result = submit(ion, plaintext("visit", code, notes=f"visit {number}"))
        assert result["status"] == "stored"

    log_in(page, "elena")
    expect(page.get_by_role("link", name="Open the queue: 41 entries")).to_be_visible()
    page.get_by_role("link", name="Open the queue: 41 entries").click()
    rows = page.locator(".queue-row")
    expect(rows).to_have_count(41)
    narrow(page)
    started = time.monotonic()
    # One approved from its row (htmx swaps only that row)…
    rows.first.get_by_role("button", name="Approve").click()
    expect(page.locator(".queue-row.decided")).to_contain_text("Approved")
    # "Approve selected" only shows once something is ticked…
    approve_selected = page.get_by_role("button", name="Approve selected")
    expect(approve_selected).to_be_hidden()
    # …and forty ticked and approved at once.
    page.get_by_label("Select all shown").check()
    expect(page.locator(".queue-row:not(.decided) input[type=checkbox]:checked")).to_have_count(40)
    expect(approve_selected).to_be_visible()
    # Its bar stands on the navigation bar, and at the end of the list it covers no row.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    bar = approve_selected.bounding_box()
    assert bar["y"] + bar["height"] <= page.locator("nav.mainnav").bounding_box()["y"] + 0.5
    assert rows.last.bounding_box()["y"] + rows.last.bounding_box()["height"] <= bar["y"]
    page.get_by_role("button", name="Approve selected").click()
    expect(page.locator("#queue-message")).to_have_text("40 entries approved.")
    elapsed = time.monotonic() - started
    print(f"\nforty-one approvals on a 360 px page took {elapsed:.1f} s of browser time")
    expect(page.locator(".queue-row")).to_have_count(0)
    expect(page.locator("#queue")).to_contain_text("Nothing is waiting.")
    assert run(Entry.count().where(Entry.status == "submitted")) == 0
    # Every one recorded on its own (the intake's decision too).
    assert run(Decision.count().where(Decision.decision == "approved")) == 42
    narrow(page)
    assert console_errors == []


def test_a_correction_starts_from_what_was_written(page: Page, console_errors: list[str]):
    ion, elena, code = team_with_case()
    hearing = "2025-07-10T09:30:00+03:00"
    written = plaintext(
        "accompaniment",
        code,
        institution="court",
        hearing_type="trial",
        next_hearing_at=hearing,
        notes=HOSTILE,
    )
    first = submit(ion, written)["id"]
    run(decide(run(load_user(elena)), first, "returned", COMMENT))

    log_in(page, "ion")
    page.goto("/returned")
    page.get_by_role("link", name="Correct").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accompaniment")
    form = page.locator("form[data-capture]")
    # Everything that was written is there, so only the mistake needs typing.
    expect(page.get_by_label("Case")).to_have_value(code)
    expect(page.get_by_label("Notes")).to_have_value(HOSTILE)  # inert text, exactly as written
    expect(form.locator("[name=institution]")).to_have_value("court")
    expect(form.locator("[name=hearing_type]")).to_have_value("trial")
    expect(form.locator("[name=next_hearing_at]")).not_to_have_value("")
    assert page.locator("#capture-prefill").count() == 0  # read once, then gone from the page
    narrow(page)
    page.get_by_label("Notes").fill("SECOND account: the hearing was at the Chisinau court")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#capture-status li.status-sent")).to_have_count(1, timeout=15_000)

    [corrected] = run(
        Entry.select(*ENVELOPE_COLUMNS, Entry.revises).where(Entry.revises.is_not_null())
    )
    assert str(corrected["revises"]) == first
    again = open_entry(corrected)
    assert again["case"] == code
    assert datetime.fromisoformat(again["occurred_at"]) == datetime.fromisoformat(
        written["occurred_at"]
    )
    assert datetime.fromisoformat(again["fields"]["next_hearing_at"]) == datetime.fromisoformat(
        hearing
    )
    assert again["fields"]["institution"] == "court"
    assert again["fields"]["rights_respected"] == written["fields"]["rights_respected"]
    assert again["fields"]["notes"].startswith("SECOND")
    assert console_errors == []


def test_a_fresh_form_and_someone_elses_entry_start_empty(page: Page):
    ion, elena, code = team_with_case()
    ana = make_user("ana", team="VPC North", regions=("North",))
    approved = submit(ion, plaintext("visit", code, notes="APPROVED notes"))["id"]
    run(decide(run(load_user(elena)), approved, "approved"))
    returned = submit(ion, plaintext("visit", code, notes="RETURNED notes"))["id"]
    run(decide(run(load_user(elena)), returned, "returned", COMMENT))
    del ana

    log_in(page, "ana")
    page.goto(f"/capture/visit?revises={returned}")  # not hers: nothing of ion's shows
    expect(page.get_by_label("Notes")).to_have_value("")
    assert "RETURNED" not in page.content()
    page.context.clear_cookies()
    log_in(page, "ion")
    page.goto(f"/capture/visit?revises={approved}")  # approved, not returned: nothing to fill
    expect(page.get_by_label("Notes")).to_have_value("")
    assert "APPROVED" not in page.content()
