"""The outbox goes out in the order it was saved, and the entries of a case opened offline
wait for its intake: when the server answers the intake `busy`, the visits about the case
stay waiting (not failed) and reach the server with it on the next sync. Real Chromium at
360 px against the live server; the intake is refused by a trigger in the database (as the
unique case code refuses it when two intakes take the same code at once)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from server.cases.tables import Case
from server.entries.tables import Entry
from tests.support.accounts import make_user
from tests.support.capture_page import fill_required, log_in, wait_until_ready_offline
from tests.support.entries import plaintext, sealed_envelope
from tests.support.run import run

TRIGGER = "refuse_for_the_browser_test"
MAX_BATCH = 100  # web/static/js/sync.js

# The outbox's items with what the sync loop decides by (no envelope).
OUTBOX = """async () => {
    const db = await new Promise((ok, ko) => {
        const request = indexedDB.open("alongside");
        request.onsuccess = () => ok(request.result);
        request.onerror = () => ko(request.error);
    });
    const items = await new Promise((ok) => {
        const request = db.transaction("outbox").objectStore("outbox").getAll();
        request.onsuccess = () => ok(request.result);
    });
    db.close();
    return items.map((item) => ({
        id: item.id, type: item.type, case: item.case, opens_case: item.opens_case || "",
        saved_at: item.saved_at, state: item.state,
    }));
}"""


@pytest.fixture
def cases_refused() -> Iterator[None]:
    """New cases cannot be written: every insert into the case table fails as a unique
    violation would (the browser tests run on SQLite)."""
    table = Case._meta.tablename
    run(
        Case.raw(
            f'CREATE TRIGGER {TRIGGER} BEFORE INSERT ON "{table}" '
            "BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: refused'); END"
        )
    )
    yield
    run(Case.raw(f"DROP TRIGGER IF EXISTS {TRIGGER}"))


def save_and_wait_queued(page: Page, marker: str) -> None:
    fill_required(page, marker)
    page.locator("form[data-capture]").evaluate(
        """form => new Promise((queued) => {
          form.addEventListener("alongside:queued", queued, { once: true });
          form.querySelector("button[type=submit]").click();
        })"""
    )
    page.wait_for_timeout(5)  # saved_at has milliseconds: each save its own


def outbox(page: Page) -> list[dict]:
    return sorted(page.evaluate(OUTBOX), key=lambda item: item["saved_at"])


def stored_ids() -> list[str]:
    return sorted(str(row["id"]) for row in run(Entry.select(Entry.id)))


def test_outbox_goes_in_saved_order_and_a_case_waits_for_its_busy_intake(
    page: Page, context: BrowserContext, live_server, cases_refused: None
) -> None:
    make_user("nadia", team="VPC North", regions=("North",))
    log_in(page, "nadia")
    wait_until_ready_offline(page)

    context.set_offline(True)
    page.goto("/capture/case_intake")
    save_and_wait_queued(page, "INTAKE")
    [intake] = outbox(page)
    case = intake["opens_case"]
    assert uuid.UUID(case).version == 4 and intake["case"] == ""
    page.goto(f"/capture/visit?case={case}")
    for number in (1, 2):
        save_and_wait_queued(page, f"VISIT-{number}")
    page.goto("/capture/training")
    save_and_wait_queued(page, "TRAINING")
    saved = [item["id"] for item in outbox(page)]
    assert len(saved) == 4 and all(item["state"] == "waiting" for item in outbox(page))
    # IndexedDB hands the outbox back in id order: that the ids happen to be in saved order
    # too (1 time in 24) makes this run prove less, not fail.

    answers: list[tuple[list[str], list[dict]]] = []

    def watch(route: Route) -> None:
        response = route.fetch()
        sent = [envelope["id"] for envelope in route.request.post_data_json["entries"]]
        answers.append((sent, response.json()["results"]))
        route.fulfill(response=response)

    context.route("**/api/v1/sync", watch)
    context.set_offline(False)  # the `online` event sends the outbox
    deadline = time.monotonic() + 20
    while not answers and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert answers, "the phone did not sync when the signal came back"

    sent, results = answers[0]
    assert sent == saved  # oldest first, whatever the ids
    by_id = {result["id"]: result for result in results}
    assert by_id[saved[0]]["error"]["code"] == "busy"
    for visit in saved[1:3]:
        assert by_id[visit]["reason"] == "case_intake_waiting"
        assert by_id[visit]["waits_for"] == saved[0]
    # (`duplicate` when the service worker's Background Sync sent the same outbox at once)
    assert by_id[saved[3]]["status"] in ("stored", "duplicate")
    page.wait_for_timeout(300)  # the answer is written into the outbox
    waiting = outbox(page)
    assert [item["id"] for item in waiting] == saved[:3]
    assert [item["state"] for item in waiting] == ["waiting"] * 3  # not failed
    assert stored_ids() == [saved[3]]

    # The database takes new cases again; the next sync (every start of the app sends)
    # stores the intake and its visits, each once.
    run(Case.raw(f"DROP TRIGGER IF EXISTS {TRIGGER}"))
    answers.clear()
    page.reload()
    deadline = time.monotonic() + 30
    while outbox(page) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert outbox(page) == []
    assert stored_ids() == sorted(saved)
    assert run(Case.count()) == 1
    for sent, _results in answers:
        assert sent == [entry for entry in saved if entry in sent]
    expect(page.locator("#outbox-badge")).to_be_hidden()


QUEUE = """async ([envelopes, metas]) => {
    const { queueEnvelope } = await import("/static/js/sync.js");
    for (let i = 0; i < envelopes.length; i++) {
        await queueEnvelope(envelopes[i], metas[i]);
        await new Promise((later) => setTimeout(later, 2));  // each its own saved_at
    }
}"""


def test_a_case_whose_intake_was_answered_busy_is_held_back_from_the_next_batches(
    page: Page, context: BrowserContext, live_server, cases_refused: None
) -> None:
    # A full batch (100 entries) with the intake in it, then a visit of that case in the
    # second batch of the same run: it is not sent to be answered "waiting" again.
    make_user("nadia", team="VPC North", regions=("North",))
    log_in(page, "nadia")
    wait_until_ready_offline(page)
    intake = plaintext("case_intake")
    entries = [
        (sealed_envelope(intake), {"type": "case_intake", "opens_case": intake["case"]}),
        *(
            (sealed_envelope(plaintext("training")), {"type": "training"})
            for _ in range(MAX_BATCH - 1)
        ),
        (
            sealed_envelope(plaintext("visit", intake["case"])),
            {"type": "visit", "case": intake["case"]},
        ),
        (sealed_envelope(plaintext("training")), {"type": "training"}),
    ]
    saved = [envelope["id"] for envelope, _meta in entries]
    context.set_offline(True)
    page.evaluate(QUEUE, [[e for e, _m in entries], [m for _e, m in entries]])
    assert len(outbox(page)) == MAX_BATCH + 2

    batches: list[list[str]] = []

    def watch(route: Route) -> None:
        batches.append([envelope["id"] for envelope in route.request.post_data_json["entries"]])
        route.continue_()

    context.route("**/api/v1/sync", watch)
    context.set_offline(False)
    deadline = time.monotonic() + 20
    while len(batches) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)  # the answer is written into the outbox
    assert batches[0] == saved[:MAX_BATCH]
    assert batches[1] == saved[MAX_BATCH + 1 :]  # the visit stays for the next run
    waiting = outbox(page)
    assert [item["id"] for item in waiting] == [saved[0], saved[MAX_BATCH]]
    assert [item["state"] for item in waiting] == ["waiting", "waiting"]
    assert run(Entry.count()) == MAX_BATCH

    run(Case.raw(f"DROP TRIGGER IF EXISTS {TRIGGER}"))
    page.reload()
    deadline = time.monotonic() + 30
    while outbox(page) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert stored_ids() == sorted(saved)
