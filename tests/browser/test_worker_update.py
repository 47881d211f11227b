"""The outbox does not depend on the service worker: entries queued under one worker are
sent after it is replaced (here: unregistered and installed afresh, which is what an update
amounts to for the outbox — the worker's caches go, IndexedDB stays)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from server.entries.tables import Entry
from tests.support.accounts import make_user
from tests.support.capture_page import (
    CONTROLLED_BY_ACTIVE_WORKER,
    WORKER_TIMEOUT,
    fill_required,
    log_in,
    wait_until_ready_offline,
)
from tests.support.entries import open_case
from tests.support.run import run

REPLACE_WORKER = """
async () => {
  const registration = await navigator.serviceWorker.getRegistration();
  await registration.unregister();
  for (const name of await caches.keys()) await caches.delete(name);
}
"""


def test_entries_queued_offline_survive_the_worker_being_replaced(page: Page, live_server):
    user_id = make_user("ion")
    _, code = open_case(user_id)
    log_in(page, "ion")
    wait_until_ready_offline(page)

    page.context.set_offline(True)
    page.goto("/capture/visit")
    page.get_by_label("Case").select_option(code)
    fill_required(page, "QUEUED-BEFORE-UPDATE")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#capture-status li.status-waiting")).to_have_count(1)
    page.evaluate(REPLACE_WORKER)
    # Hold the outbox back until the new worker is in charge.
    page.route("**/api/v1/sync", lambda route: route.abort())
    page.context.set_offline(False)

    page.goto("/")
    page.wait_for_function(CONTROLLED_BY_ACTIVE_WORKER, timeout=WORKER_TIMEOUT)
    assert run(Entry.count().where(Entry.type == "visit")) == 0
    page.unroute("**/api/v1/sync")
    page.goto("/outbox")
    expect(page.locator("#outbox-sent li")).to_have_count(1, timeout=20_000)
    assert run(Entry.count().where(Entry.type == "visit")) == 1
