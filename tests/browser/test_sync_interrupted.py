"""The server dies in the middle of a sync and comes back: nothing saved on the phone is
lost, nothing arrives twice. Real Chromium at 360 px, a real server process killed with
SIGKILL and restarted on the same port over the same database."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry
from tests.support.accounts import make_user
from tests.support.browser_storage import OUTBOX_ITEMS
from tests.support.capture_page import fill_required, log_in
from tests.support.chromium import PHONE
from tests.support.live_server import LiveServer, restart_server, start_server
from tests.support.run import run

SAVED_OFFLINE = 4

COLLECT_QUEUED = """() => {
    window.queuedIds = [];
    const collect = (event) => window.queuedIds.push(event.detail.id);
    document.addEventListener("alongside:queued", collect);
}"""


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[list[LiveServer]]:
    """A server of this test's own (the session's live server must not be killed); a list so
    the test can swap in the restarted process and the fixture still stops the last one."""
    servers = [start_server(tmp_path)]
    yield servers
    servers[-1].stop()


@pytest.fixture
def phone(browser: Browser, own_server: list[LiveServer]) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=PHONE,
        base_url=own_server[0].url,
        locale="en-GB",
        service_workers="allow",
    )
    yield context
    context.close()


def save(page: Page, marker: str, count: int) -> None:
    fill_required(page, marker)
    page.get_by_role("button", name="Save").click()
    page.wait_for_function(
        "(count) => window.queuedIds.length === count", arg=count, timeout=15_000
    )


def stored_ids() -> list[str]:
    return [str(row["id"]) for row in run(Entry.select(Entry.id))]


@pytest.mark.parametrize("moment", ["before_the_server_reads_it", "after_the_server_stored_it"])
def test_server_killed_during_sync_loses_nothing_and_doubles_nothing(
    phone: BrowserContext, own_server: list[LiveServer], moment: str
) -> None:
    make_user("nadia", team="VPC North", regions=("North",))
    page = phone.new_page()
    log_in(page, "nadia")
    page.goto("/capture/training")
    page.evaluate(COLLECT_QUEUED)

    # One entry online first: the phone registers itself and keeps the sealing key.
    save(page, "MARKER-online", 1)
    expect(page.locator("#capture-status li.status-sent").first).to_be_visible(timeout=15_000)
    assert stored_ids() == page.evaluate("window.queuedIds")

    phone.set_offline(True)
    for number in range(2, SAVED_OFFLINE + 2):
        save(page, f"MARKER-offline-{number}", number)
    saved = page.evaluate("window.queuedIds")
    assert len(set(saved)) == SAVED_OFFLINE + 1
    assert sorted([item["id"] for item in page.evaluate(OUTBOX_ITEMS)]) == sorted(saved[1:])
    assert len(stored_ids()) == 1

    # The first sync after the signal returns: the server dies while the request is in
    # flight, either before it reads the batch or after it stored it but before it answers.
    interrupted: list[str] = []
    started: list[str] = []

    def kill_mid_request(route: Route) -> None:
        # The page and the service worker (Background Sync) may both send on `online`: the
        # first request meets the crash, any other finds the server gone.
        if started:
            route.abort("connectionrefused")
            return
        started.append(route.request.headers.get("referer", ""))
        if moment == "after_the_server_stored_it":
            response = route.fetch()
            assert response.status == 200
            interrupted.append(response.text())
        else:
            interrupted.append("")
        own_server[-1].kill()
        route.abort("connectionreset")

    phone.route("**/api/v1/sync", kill_mid_request)
    phone.set_offline(False)
    deadline = time.monotonic() + 20
    while not interrupted and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert interrupted, "the phone did not sync when the signal came back"
    assert own_server[-1].process.poll() is not None
    phone.unroute("**/api/v1/sync")

    if moment == "after_the_server_stored_it":
        # The server stored the batch, but the phone never heard: everything is still queued.
        assert sorted(stored_ids()) == sorted(saved)
    else:
        assert stored_ids() == saved[:1]
    page.wait_for_timeout(300)  # the failed fetch settles in the page
    assert sorted([item["id"] for item in page.evaluate(OUTBOX_ITEMS)]) == sorted(saved[1:])

    own_server.append(restart_server(own_server[-1]))
    page.reload()  # every start of the app sends what waits
    deadline = time.monotonic() + 30
    while [item["id"] for item in page.evaluate(OUTBOX_ITEMS)] and time.monotonic() < deadline:
        page.wait_for_timeout(200)

    rows = run(Entry.select(*ENVELOPE_COLUMNS))
    assert sorted(str(row["id"]) for row in rows) == sorted(saved)
    assert len(rows) == len({row["id"] for row in rows}) == SAVED_OFFLINE + 1
    notes = sorted(open_entry(row)["fields"]["notes"] for row in rows)
    assert notes == sorted(
        ["MARKER-online notes"]
        + [f"MARKER-offline-{number} notes" for number in range(2, SAVED_OFFLINE + 2)]
    )
    assert all(uuid.UUID(entry_id).version == 4 for entry_id in saved)
    assert [item["id"] for item in page.evaluate(OUTBOX_ITEMS)] == []
