"""A coordinator opens a case and logs one entry of every type from a phone-sized browser;
the entries are sealed by Web Crypto in Chromium and opened by the server."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from server.cases.tables import Case
from server.entries.definitions import ENTRY_TYPES
from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry
from server.piccolo_conf import APP_REGISTRY
from tests.support.accounts import make_user
from tests.support.browser_storage import DUMP_STORAGE
from tests.support.capture_page import fill_required, log_in
from tests.support.run import run


def save_and_wait_sent(page: Page) -> None:
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#capture-status li.status-sent").first).to_be_visible(timeout=15_000)


def test_case_intake_then_every_entry_type(
    page: Page, console_errors: list[str], data_dir, live_server
):
    make_user("ion", team="VPC North", regions=("North",))
    make_user("elena", role="supervisor", team="VPC North")
    make_user("arta", role="supervisor", team="Shelter Pristina", country="XK")

    log_in(page, "ion")
    page.goto("/capture/case_intake")
    fill_required(page, "MARKER-intake")
    page.get_by_label("Given name").fill("MARKER-given-name")
    save_and_wait_sent(page)
    case = run(Case.select(Case.code, Case.region).first())
    assert case["code"].startswith("MD-")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    for type_key, entry_type in ENTRY_TYPES.items():
        if type_key == "case_intake":
            continue
        page.goto(f"/capture/{type_key}")
        if entry_type.case == "required":
            page.get_by_label("Case").select_option(case["code"])
        fill_required(page, f"MARKER-{type_key}")
        if type_key == "accompaniment":
            # A hearing for the hearing update after it to name (fill_required moves it).
            page.get_by_label("Next hearing").fill("2031-03-04T09:30")
        if type_key == "hearing_update":
            page.get_by_label("New date and time").fill("2031-03-11T10:00")
        save_and_wait_sent(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

    rows = run(Entry.select(*ENVELOPE_COLUMNS, Entry.type, Entry.status))
    assert sorted(row["type"] for row in rows) == sorted(ENTRY_TYPES)
    for row in rows:
        plaintext = open_entry(row)
        assert plaintext["type"] == row["type"]
        assert (
            plaintext["fields"]["notes"]
            == f"MARKER-{row['type'] if row['type'] != 'case_intake' else 'intake'} notes"
        )
        assert row["status"] == "submitted"

    # The outbox holds nothing once everything is sent; no plaintext anywhere in storage.
    leftovers = page.evaluate(DUMP_STORAGE)
    assert "MARKER" not in leftovers

    # Nor anywhere on the server: no column of any table, no file of the data dir, no log line.
    for config in APP_REGISTRY.app_configs.values():
        for table in config.table_classes:
            for row in run(table.select()):
                assert "MARKER" not in repr(row), table._meta.tablename
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert b"MARKER" not in path.read_bytes(), path
    assert "MARKER" not in live_server.log()

    # The supervisor of the team reads an entry unsealed; another team's supervisor gets 404.
    visit_id = next(str(row["id"]) for row in rows if row["type"] == "visit")
    page.context.clear_cookies()
    log_in(page, "elena")
    response = page.goto(f"/entries/{visit_id}")
    assert response.status == 200
    expect(page.get_by_text("MARKER-visit notes")).to_be_visible()
    page.context.clear_cookies()
    log_in(page, "arta")
    response = page.goto(f"/entries/{visit_id}")
    assert response.status == 404
    assert "MARKER" not in page.content()
    assert [e for e in console_errors if "404" not in e] == []
