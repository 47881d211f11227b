"""Offline capture on a 360 px phone in real Chromium: the forms open without a network,
saved entries wait sealed in the outbox, reach the server once the signal is back, and
nothing readable stays on the phone."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from server.devices.tables import Device
from server.entries.services import open_entry
from server.entries.tables import Entry
from tests.support.accounts import make_user
from tests.support.browser_storage import DUMP_STORAGE, OUTBOX_ITEMS
from tests.support.capture_page import (
    CACHE_NAMES,
    fill_required,
    log_in,
    wait_until_ready_offline,
)
from tests.support.entries import open_case
from tests.support.run import run

CACHED_PATHS = """
async () => {
  const paths = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) paths.push(new URL(request.url).pathname);
  }
  return paths;
}
"""


def outbox_states(page: Page) -> list[str]:
    return [item["state"] for item in page.evaluate(OUTBOX_ITEMS)]


def coordinator_with_case(name: str = "ion") -> str:
    user_id = make_user(name, team="VPC North", regions=("North",))
    _, code = open_case(user_id, region="North")
    return code


def entries_in_database() -> list[dict]:
    """What the phone logged (the case's intake was stored beforehand by the test)."""
    return run(Entry.select(Entry.id, Entry.type, Entry.status).where(Entry.type != "case_intake"))


def save(page: Page) -> None:
    page.get_by_role("button", name="Save").click()


def save_and_wait_queued(page: Page) -> None:
    """Save, and wait until the envelope is in the outbox (before leaving the page)."""
    page.locator("form[data-capture]").evaluate(
        """form => new Promise((queued) => {
          form.addEventListener("alongside:queued", queued, { once: true });
          form.querySelector("button[type=submit]").click();
        })"""
    )


def test_offline_visit_and_accompaniment_reach_the_server_and_leave_no_plaintext(
    page: Page, console_errors: list[str], live_server
):
    code = coordinator_with_case()
    log_in(page, "ion")
    wait_until_ready_offline(page)

    page.context.set_offline(True)
    # The home page opens offline: case codes and dates, nobody's name (not even the user's).
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    expect(page.locator("#my-cases")).to_contain_text(code)
    assert "ion" not in page.locator("header").inner_text()

    page.goto("/capture/visit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Visit")
    page.get_by_label("Case").select_option(code)
    fill_required(page, "SECRET-VISIT")
    save(page)
    expect(page.locator("#capture-status li.status-waiting")).to_have_count(1)

    # A boosted link offline falls back to the cached copy of the next form.
    page.goto("/capture")
    page.get_by_role("link", name="Accompaniment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accompaniment")
    page.get_by_label("Case").select_option(code)
    fill_required(page, "SECRET-ACCOMPANIMENT")
    page.get_by_label("Next hearing").fill("2031-03-04T09:30")
    save(page)
    expect(page.locator("#capture-status li.status-waiting")).to_have_count(1)

    # Chromium has Background Sync: the worker is asked to send even if the page closes.
    tags = page.evaluate("async () => (await navigator.serviceWorker.ready).sync.getTags()")
    assert tags == ["alongside-outbox"]
    expect(page.locator("#no-background-sync")).to_be_hidden()

    badge = page.locator("#outbox-badge")
    expect(badge).to_be_visible()
    expect(badge.locator(".count")).to_have_text("2")

    page.goto("/outbox")
    expect(page.locator("#outbox-waiting li")).to_have_count(2)
    expect(page.locator("#outbox-summary")).to_contain_text("Waiting for a connection: 2")

    stored = page.evaluate(DUMP_STORAGE)
    for secret in ("SECRET-VISIT", "SECRET-ACCOMPANIMENT", "2031-03-04"):
        assert secret not in stored
    assert entries_in_database() == []

    # Back online: the `online` event sends both, without a tap.
    page.context.set_offline(False)
    expect(page.locator("#outbox-summary")).to_contain_text(
        "Everything you saved on this phone has reached the server", timeout=20_000
    )
    expect(page.locator("#outbox-sent li")).to_have_count(2)
    expect(badge).to_be_hidden()
    rows = entries_in_database()
    assert sorted(row["type"] for row in rows) == ["accompaniment", "visit"]
    full = run(Entry.select().where(Entry.type == "accompaniment").first())
    opened = open_entry(full)
    assert opened["fields"]["notes"] == "SECRET-ACCOMPANIMENT notes"
    assert opened["fields"]["next_hearing_at"].startswith("2031-03-04T09:30")
    assert "SECRET" not in page.evaluate(DUMP_STORAGE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The browser reports each request it could not make offline; nothing else may go wrong.
    assert [e for e in console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


def test_supervisor_pages_are_never_kept_offline(page: Page, live_server):
    make_user("elena", role="supervisor", team="VPC North")
    log_in(page, "elena")
    page.wait_for_timeout(500)
    page.reload()
    paths = page.evaluate(CACHED_PATHS)
    assert paths and all(p == "/offline" or p.startswith("/static/") for p in paths), paths

    page.context.set_offline(True)
    page.goto("/cases")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    assert "elena" not in page.content()


def test_offline_copies_hold_no_names_and_pages_outside_the_list_are_not_kept(
    page: Page, live_server
):
    code = coordinator_with_case("zoltan")
    log_in(page, "zoltan")
    wait_until_ready_offline(page)
    paths = set(page.evaluate(CACHED_PATHS))
    assert {"/", "/capture", "/capture/visit", "/capture/case_intake", "/outbox"} <= paths
    assert not any(p.startswith(("/cases", "/entries", "/devices", "/api/")) for p in paths)
    assert "zoltan" not in page.evaluate(DUMP_STORAGE)

    page.context.set_offline(True)
    page.goto(f"/cases/{code}")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")


def test_a_rejected_entry_stays_visible_with_the_server_message_until_dealt_with(
    page: Page, live_server
):
    code = coordinator_with_case()
    log_in(page, "ion")
    # A correction of an entry that does not exist: the server refuses it.
    page.goto("/capture/visit?revises=00000000-0000-4000-8000-000000000000")
    expect(page.locator("#capture-correcting")).to_be_visible()
    page.get_by_label("Case").select_option(code)
    fill_required(page, "REFUSED")
    save(page)
    expect(page.locator("#capture-status li.status-rejected")).to_have_count(1, timeout=15_000)

    page.goto("/outbox")
    failed = page.locator("#outbox-failed li")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("The entry this one corrects is not one of yours.")
    expect(page.locator("#outbox-badge")).to_have_class("outbox-badge alert")
    # It stays across reloads and "Send now": only the user decides what becomes of it.
    page.get_by_role("button", name="Send now").click()
    page.reload()
    expect(failed).to_have_count(1)

    # Entering it again: the new entry replaces the refused one in the outbox.
    failed.get_by_role("link", name="Enter it again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Visit")
    expect(page.locator("#capture-correcting")).to_be_visible()
    page.get_by_label("Case").select_option(code)
    fill_required(page, "AGAIN")
    save(page)
    expect(page.locator("#capture-status li.status-sent")).to_have_count(1, timeout=15_000)
    expect(page.locator("#capture-status li.status-rejected")).to_have_count(0)
    assert outbox_states(page) == []
    assert [row["type"] for row in entries_in_database()] == ["visit"]


def test_discarding_a_refused_entry_asks_first(page: Page, live_server):
    code = coordinator_with_case()
    log_in(page, "ion")
    page.goto("/capture/visit?revises=00000000-0000-4000-8000-000000000000")
    page.get_by_label("Case").select_option(code)
    fill_required(page, "REFUSED")
    save_and_wait_queued(page)
    expect(page.locator("#capture-status li.status-rejected")).to_have_count(1, timeout=15_000)
    page.goto("/outbox")
    failed = page.locator("#outbox-failed li")
    expect(failed).to_have_count(1)

    page.once("dialog", lambda dialog: dialog.dismiss())
    failed.get_by_role("button", name="Discard").click()
    page.wait_for_timeout(300)
    expect(failed).to_have_count(1)
    assert outbox_states(page) == ["rejected"]

    page.once("dialog", lambda dialog: dialog.accept())
    failed.get_by_role("button", name="Discard").click()
    expect(failed).to_have_count(0)
    assert outbox_states(page) == []
    expect(page.locator("#outbox-badge")).to_be_hidden()


def test_logout_with_an_empty_outbox_leaves_no_caches_and_no_database(page: Page, live_server):
    code = coordinator_with_case()
    log_in(page, "ion")
    wait_until_ready_offline(page)
    page.goto("/capture/visit")
    page.get_by_label("Case").select_option(code)
    fill_required(page, "SENT")
    save(page)
    expect(page.locator("#capture-status li.status-sent")).to_have_count(1, timeout=15_000)
    assert page.evaluate(CACHE_NAMES)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/login")
    page.wait_for_timeout(500)
    assert page.evaluate(CACHE_NAMES) == []
    assert page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)") == []
    assert page.evaluate("navigator.serviceWorker.controller") is None
    # The phone's device token went with it, and the server no longer accepts it.
    assert run(Device.select().where(Device.revoked_at.is_null())) == []


def test_logout_with_unsent_entries_asks_before_discarding_them(page: Page, live_server):
    code = coordinator_with_case()
    log_in(page, "ion")
    wait_until_ready_offline(page)
    page.context.set_offline(True)
    page.goto("/capture/visit")
    page.get_by_label("Case").select_option(code)
    fill_required(page, "UNSENT")
    save(page)
    expect(page.locator("#capture-status li.status-waiting")).to_have_count(1)

    messages: list[str] = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_timeout(500)
    assert messages and messages[0].startswith("1 entries on this phone have not reached")
    assert urlsplit(page.url).path == "/capture/visit"
    assert outbox_states(page) == ["waiting"]

    # Back online and still logged in: the entry goes out; nothing was lost by asking.
    page.context.set_offline(False)
    page.goto("/outbox")
    expect(page.locator("#outbox-sent li")).to_have_count(1, timeout=20_000)
    assert len(entries_in_database()) == 1


def test_a_revoked_phone_keeps_its_outbox_and_says_so(page: Page, live_server):
    code = coordinator_with_case()
    log_in(page, "ion")
    page.goto("/capture/visit")
    page.get_by_label("Case").select_option(code)
    fill_required(page, "FIRST")
    save(page)
    expect(page.locator("#capture-status li.status-sent")).to_have_count(1, timeout=15_000)

    # The coordinator revokes this phone (say, from another one) on the devices page.
    page.goto("/devices")
    row = page.locator("#devices li").first
    expect(row.locator(".this-device")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("#devices li.revoked")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.goto("/capture/visit")
    page.get_by_label("Case").select_option(code)
    fill_required(page, "SECOND")
    save_and_wait_queued(page)
    page.goto("/outbox")
    expect(page.locator("#outbox-revoked")).to_be_visible(timeout=15_000)
    expect(page.locator("#outbox-waiting li")).to_have_count(1)
    assert len(entries_in_database()) == 1

    # Connecting the phone again (a new device, the user's decision) sends what waited.
    page.get_by_role("button", name="Connect this phone again").click()
    expect(page.locator("#outbox-revoked")).to_be_hidden(timeout=15_000)
    expect(page.locator("#outbox-waiting li")).to_have_count(0)
    assert len(entries_in_database()) == 2


def test_the_outbox_shows_what_the_supervisor_decided(page: Page, live_server):
    from server.accounts.sessions import load_user
    from server.approvals.services import decide

    code = coordinator_with_case()
    supervisor_id = make_user("elena", role="supervisor", team="VPC North")
    log_in(page, "ion")
    for count, marker in enumerate(("ONE", "TWO"), start=1):
        page.goto("/capture/visit")
        page.get_by_label("Case").select_option(code)
        fill_required(page, marker)
        save(page)
        sent = page.locator("#capture-status li.status-sent")
        expect(sent).to_have_count(count, timeout=15_000)
    first, second = sorted(
        run(Entry.select(Entry.id, Entry.received_at).where(Entry.type == "visit")),
        key=lambda row: row["received_at"],
    )
    supervisor = run(load_user(supervisor_id))
    run(decide(supervisor, str(first["id"]), "approved"))
    run(decide(supervisor, str(second["id"]), "returned", "Say which court."))

    page.goto("/outbox")
    sent = page.locator("#outbox-sent li")
    expect(sent.filter(has_text="Approved")).to_have_count(1, timeout=15_000)
    returned = sent.filter(has_text="Returned to you")
    expect(returned).to_have_count(1)
    expect(page.locator("#outbox-badge .count")).to_have_text("1")
    returned.get_by_role("link", name="Correct it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Visit")
    assert f"revises={second['id']}" in page.url
    page.get_by_label("Case").select_option(code)
    fill_required(page, "CORRECTED")
    save(page)
    expect(page.locator("#capture-status li.status-corrected")).to_have_count(1, timeout=15_000)
    expect(page.locator("#outbox-badge")).to_be_hidden()
    corrected = run(Entry.select(Entry.revises).where(Entry.revises.is_not_null()).first())
    assert corrected["revises"] == second["id"]
