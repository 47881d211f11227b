"""Shelter staff run a risk assessment in Albanian on a 360 px phone without signal: the
questions come from the instrument, the level is computed as they answer, an override needs a
reason, the safety plan is sealed with the rest, and once the signal is back the server
stores the right level and the next reassessment date."""

from __future__ import annotations

import time
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from server.core.i18n import translations
from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry
from server.risk.instrument import library
from tests.support.accounts import make_user
from tests.support.browser_storage import DUMP_STORAGE
from tests.support.capture_page import log_in, wait_until_ready_offline
from tests.support.entries import VALID_FIELDS, open_case
from tests.support.run import run

SQ = translations("sq").gettext
CALM = VALID_FIELDS["risk_assessment"]["answers"]


def answer(page: Page, item_id: str, value: str) -> None:
    page.locator(f'[data-risk-item="{item_id}"] input[value="{value}"]').check()


def stored_assessments() -> list[dict]:
    return run(
        Entry.select(*ENVELOPE_COLUMNS, Entry.risk_level, Entry.due_on, Entry.details).where(
            Entry.type == "risk_assessment"
        )
    )


def test_an_assessment_in_albanian_offline_is_scored_right_once_sent(
    page: Page, console_errors: list[str], live_server
):
    besa = make_user("besa", "shelter", "State Shelter Pristina", "XK", ("Prishtinë",), "sq")
    _case_id, code = open_case(besa, region="Prishtinë", citizenship="XK")
    log_in(page, "besa")
    wait_until_ready_offline(page)

    page.context.set_offline(True)
    page.goto("/capture/risk_assessment")
    expect(page.get_by_role("heading", level=1)).to_have_text(SQ("Risk assessment"))
    assert page.evaluate("document.documentElement.lang") == "sq"
    instrument = library().get("1")
    first = instrument.items[0]
    expect(page.locator(f'[data-risk-item="{first.id}"] legend')).to_have_text(first.text["sq"])
    # Guidance per question, folded away until asked for.
    guidance = page.locator(f'[data-risk-item="{first.id}"] details')
    expect(guidance.locator("p")).to_be_hidden()
    guidance.locator("summary").click()
    expect(guidance.locator("p")).to_have_text(first.guidance["sq"])

    # The form opened from a "Reassess" link comes with the resident chosen.
    page.goto(f"/capture/risk_assessment?case={code}")
    expect(page.locator("#f-case")).to_have_value(code)
    level = page.locator("#risk-level")
    expect(level).to_have_text("—")

    # Saving half an assessment is refused on the phone, with the question pointed out.
    answer(page, "threats.contact", "no")
    expect(level).to_have_text(SQ("Low"))
    page.locator("#capture-form button[type=submit]").click()
    expect(page.locator("#capture-error")).to_be_visible()
    expect(page.locator(".risk-item.missing")).to_have_count(len(instrument.items) - 1)

    for item_id, value in CALM.items():
        answer(page, item_id, value)
    expect(level).to_have_text(SQ("Low"))
    expect(page.locator("#risk-answered")).to_have_text(str(len(instrument.items)))
    answer(page, "family.community", "some")
    answer(page, "retrafficking.risk", "some")
    answer(page, "health.mental", "some")
    expect(page.locator("#risk-score")).to_have_text("9")
    expect(level).to_have_text(SQ("Medium"))
    # An answer that sets a minimum level raises it at once.
    answer(page, "self_harm.risk", "some")
    expect(level).to_have_text(SQ("High"))
    expect(page.locator("#risk-next")).not_to_have_text("—")

    # An override without a written reason is not saved.
    page.locator("#f-override_level").select_option("critical")
    page.locator("#capture-form button[type=submit]").click()
    expect(page.locator("#f-override_reason")).to_have_attribute("aria-invalid", "true")
    page.locator("#f-override_reason").fill("SECRET-REASON seen near the shelter")

    page.locator("[data-add-action]").click()
    row = page.locator(".safety-plan-row").first
    row.locator('[data-plan="action"]').fill("SECRET-PLAN daily check-in")
    row.locator('[data-plan="owner"]').fill("Besa")
    due = (date.today() + timedelta(days=3)).isoformat()
    row.locator('[data-plan="due_on"]').fill(due)
    page.locator("#f-notes").fill("SECRET-NOTES")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.locator("#capture-form button[type=submit]").click()
    expect(page.locator("#capture-status li.status-waiting")).to_have_count(1, timeout=15_000)
    # The form is empty again, its hidden answers too; the phone keeps ciphertext only.
    expect(page.locator(".safety-plan-row")).to_have_count(0)
    assert page.locator("#risk-answers").input_value() == "{}"
    stored = page.evaluate(DUMP_STORAGE)
    assert "SECRET" not in stored, stored[
        max(0, stored.find("SECRET") - 300) : stored.find("SECRET") + 100
    ]
    assert stored_assessments() == []

    page.context.set_offline(False)
    deadline = time.monotonic() + 25
    while not stored_assessments() and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    rows = stored_assessments()
    assert len(rows) == 1
    row = rows[0]
    opened = open_entry(row)
    fields = opened["fields"]
    assert fields["instrument"] == "1"
    assert fields["answers"] == {
        **CALM,
        "family.community": "some",
        "retrafficking.risk": "some",
        "health.mental": "some",
        "self_harm.risk": "some",
    }
    assert fields["override_level"] == "critical"
    assert fields["safety_plan"] == [
        {"action": "SECRET-PLAN daily check-in", "owner": "Besa", "due_on": due}
    ]
    assert row["risk_level"] == "critical"
    assessed_on = date.fromisoformat(opened["occurred_at"][:10])
    assert row["due_on"] == assessed_on + timedelta(days=2)
    details = row["details"]
    assert '"computed_level": "high"' in details or details.get("computed_level") == "high"
    assert "SECRET" not in page.evaluate(DUMP_STORAGE)
    assert [e for e in console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
