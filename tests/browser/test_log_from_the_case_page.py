"""A coordinator working in Romanian on a 360 px phone: labels a case on its page, sees the
label on Home, logs a visit for the case with two taps (the Visit button, then Save, with
the required answers in between), logs another from the form's offline copy, and the label
is nowhere in what the phone keeps."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry
from tests.support.accounts import make_user
from tests.support.browser_storage import DUMP_STORAGE
from tests.support.capture_page import log_in, wait_until_ready_offline
from tests.support.entries import open_case
from tests.support.run import run

LABEL = "eșarfă roșie, Bălți"

# Ask the worker for fresh offline copies now, and wait until it has them.
REFRESH_COPIES = """() => new Promise((done) => {
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "pages-ready") done(true);
  });
  navigator.serviceWorker.controller.postMessage({ type: "refresh-pages", force: true });
})"""


def fill_visit(page: Page, purpose: str) -> None:
    form = page.locator("form[data-capture]")
    form.locator("select[name=place]").select_option(index=1)
    form.locator("textarea[name=purpose]").fill(purpose)


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_label_then_a_visit_in_two_taps_from_the_case_page(page: Page, console_errors):
    ion = make_user("ion", team="VPC North", regions=("North",), language="ro")
    case_id, code = open_case(ion, region="North")
    other_id, other = open_case(ion, region="North")

    log_in(page, "ion")
    wait_until_ready_offline(page)

    # The label, set on the case page.
    page.goto(f"/cases/{code}")
    page.locator("#label").fill(LABEL)
    page.locator("form[action$='/label'] button[type=submit]").click()
    expect(page.locator("#case-label")).to_have_text(LABEL)
    fits(page)
    page.evaluate(REFRESH_COPIES)

    # Home, online, tells the two cases apart by the label.
    page.goto("/")
    mine = page.locator("#my-cases li", has=page.locator(f"a[href='/cases/{code}']"))
    expect(mine.locator(".case-label")).to_have_text(LABEL)
    expect(
        page.locator("#my-cases li", has=page.locator(f"a[href='/cases/{other}']")).locator(
            ".case-label"
        )
    ).to_have_count(0)

    # Tap one: the Visit button opens the form with the case filled in.
    page.goto(f"/cases/{code}")
    page.locator("[data-log-type=visit]").click()
    expect(page).to_have_url(re.compile(rf"/capture/visit\?case={code}$"))
    expect(page.locator("select[name=case]")).to_have_value(code)
    expect(page.locator("input[name=occurred_at]")).not_to_have_value("")
    fill_visit(page, "VISIT-ONLINE purpose")
    fits(page)
    # Tap two: Save. Sealed, sent, waiting for approval.
    page.locator("form[data-capture] button[type=submit]").click()
    expect(page.locator("#capture-status li.status-sent")).to_have_count(1, timeout=15_000)
    # The form stays on the case for the next entry.
    expect(page.locator("select[name=case]")).to_have_value(code)

    # The picker's search narrows to the case typed (a part of its label, without diacritics).
    search = page.locator("[data-case-search]")
    search.fill("balti")
    expect(page.locator("select[name=case]")).to_have_value(code)
    expect(page.locator(f"select[name=case] option[value='{other}']")).to_be_hidden()
    search.fill("")

    # Offline, the phone's copy of the form reads ?case= too; the entry waits, then goes.
    page.context.set_offline(True)
    page.goto(f"/capture/visit?case={other}")
    expect(page.locator("select[name=case]")).to_have_value(other)
    assert LABEL not in page.content()
    fill_visit(page, "VISIT-OFFLINE purpose")
    page.locator("form[data-capture] button[type=submit]").click()
    expect(page.locator("#capture-status li.status-waiting")).to_have_count(1, timeout=15_000)
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#capture-status li.status-sent")).to_have_count(2, timeout=30_000)

    rows = run(Entry.select(*ENVELOPE_COLUMNS, Entry.case, Entry.type))
    visits = {open_entry(row)["fields"]["purpose"]: row for row in rows if row["type"] == "visit"}
    assert str(visits["VISIT-ONLINE purpose"]["case"]) == case_id
    assert str(visits["VISIT-OFFLINE purpose"]["case"]) == other_id

    # Nothing the phone keeps holds the label: IndexedDB, Cache Storage, local storage.
    stored = page.evaluate(DUMP_STORAGE)
    assert code in stored  # the offline copies are there, with codes
    for text in (LABEL, "eșarfă"):
        assert text not in stored
    assert console_errors == []
