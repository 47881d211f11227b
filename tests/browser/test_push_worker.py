"""The service worker's push and notificationclick handlers in real Chromium.

`pushManager.subscribe()` cannot reach a push service from headless Chromium here, so the
message is delivered through the DevTools protocol (`ServiceWorker.deliverPushMessage`) to
the worker's registration: the worker's own `push` handler runs and shows the notification.
A click on a notification cannot be made headless; the test dispatches a `notificationclick`
event carrying the shown notification inside the worker, which runs the worker's own click
handler (without the user activation a real click gives, so `focus()` is not checked).
"""

from __future__ import annotations

import json
import time

from playwright.sync_api import Page, expect

from server.notifications.services import payload
from tests.support.accounts import make_user
from tests.support.capture_page import (
    CONTROLLED_BY_ACTIVE_WORKER,
    WORKER_TIMEOUT,
    log_in,
    wait_until_ready_offline,
)
from tests.support.entries import open_case

NOTIFICATIONS = """
async () => {
  const registration = await navigator.serviceWorker.ready;
  return (await registration.getNotifications()).map((n) => ({
    title: n.title, body: n.body, tag: n.tag, data: n.data,
  }));
}
"""

CLICK = """
async () => {
  const [notification] = await self.registration.getNotifications();
  self.dispatchEvent(new NotificationEvent("notificationclick", { notification }));
  return notification.data.url;
}
"""


def registration_id(page: Page, origin: str) -> tuple[object, str]:
    """A DevTools session and the id of the worker's registration for the origin."""
    session = page.context.new_cdp_session(page)
    registrations: dict[str, str] = {}
    session.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.update(
            {r["scopeURL"]: r["registrationId"] for r in event["registrations"]}
        ),
    )
    session.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while origin + "/" not in registrations and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert origin + "/" in registrations, registrations
    return session, registrations[origin + "/"]


def service_worker(page: Page):
    """The worker, as Playwright sees it. Chromium stops an idle worker and starts it again
    for the next event; a message from the page wakes it, and Playwright attaches anew."""
    deadline = time.monotonic() + 15
    while not page.context.service_workers and time.monotonic() < deadline:
        page.evaluate("navigator.serviceWorker.controller.postMessage({type: 'ping'})")
        page.wait_for_timeout(200)
    assert page.context.service_workers, "no service worker attached"
    return page.context.service_workers[-1]


def deliver(session, origin: str, registration: str, message: dict) -> None:
    session.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": registration, "data": json.dumps(message)},
    )


def deliver_and_show(page: Page, session, origin: str, registration: str, message: dict) -> dict:
    """Deliver a message and return the one notification it shows. A delivery through the
    DevTools protocol can be lost while Chromium restarts an idle worker: deliver again
    then (the same tag replaces, so a second arrival still shows one notification)."""
    for _attempt in range(3):
        deliver(session, origin, registration, message)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = page.evaluate(NOTIFICATIONS)
            if found:
                assert len(found) == 1, found
                return found[0]
            page.wait_for_timeout(100)
    raise AssertionError("no notification shown after three deliveries")


def shown(page: Page, count: int) -> list[dict]:
    """The notifications on screen, once there are `count` of them (polled from here: the
    worker shows them a moment after the push arrives)."""
    deadline = time.monotonic() + 10
    found = page.evaluate(NOTIFICATIONS)
    while len(found) != count and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        found = page.evaluate(NOTIFICATIONS)
    assert len(found) == count, found
    return found


def test_a_pushed_reminder_is_shown_in_the_users_language_and_opens_its_page(
    page: Page, live_server
):
    user_id = make_user("ion", language="ro")
    _case, code = open_case(user_id)
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    log_in(page, "ion")
    page.goto("/upcoming")
    page.wait_for_function(CONTROLLED_BY_ACTIVE_WORKER, timeout=WORKER_TIMEOUT)
    session, registration = registration_id(page, live_server.url)

    # The message exactly as the scheduler makes it for a Romanian-speaking coordinator.
    params = {"zone": "Europe/Chisinau", "at": "2026-03-11T09:30:00+02:00"}
    message = payload({"kind": "hearing", "url": f"/cases/{code}", "params": params}, "ro")
    english = payload({"kind": "hearing", "url": f"/cases/{code}", "params": params}, "en")
    assert message["title"] != english["title"]
    notification = deliver_and_show(page, session, live_server.url, registration, message)
    assert notification["title"] == message["title"]
    assert notification["body"] == message["body"]
    assert notification["tag"] == f"hearing /cases/{code}"
    assert notification["data"] == {"kind": "hearing", "url": f"/cases/{code}"}

    # The two-hour reminder of the same hearing replaces the evening one (same tag).
    later = {**message, "body": message["body"] + " (2)"}
    deliver(session, live_server.url, registration, later)
    deadline = time.monotonic() + 10
    while [n["body"] for n in page.evaluate(NOTIFICATIONS)] != [later["body"]]:
        assert time.monotonic() < deadline, "the second reminder was not shown"
        page.wait_for_timeout(100)
    assert len(shown(page, 1)) == 1

    # A click shows the reminder's page in the open window.
    assert service_worker(page).evaluate(CLICK) == f"/cases/{code}"
    expect(page).to_have_url(f"{live_server.url}/cases/{code}", timeout=10_000)
    assert page.evaluate(NOTIFICATIONS) == []


def test_a_reminder_never_opens_another_site(page: Page, live_server):
    make_user("ion", language="en")
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    log_in(page, "ion")
    page.goto("/upcoming")
    page.wait_for_function(CONTROLLED_BY_ACTIVE_WORKER, timeout=WORKER_TIMEOUT)
    session, registration = registration_id(page, live_server.url)
    for url in ("https://evil.example/phish", "//evil.example/phish", "javascript:alert(1)"):
        notification = deliver_and_show(
            page,
            session,
            live_server.url,
            registration,
            {"kind": "test", "title": "T", "body": "B", "url": url},
        )
        assert notification["data"]["url"] == "/"
        assert service_worker(page).evaluate(CLICK) == "/"
        expect(page).to_have_url(f"{live_server.url}/", timeout=10_000)
        shown(page, 0)
        page.goto("/upcoming")


NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_reminder_settings_on_a_phone(page: Page, live_server, console_errors):
    make_user("ion", language="en")
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    log_in(page, "ion")
    page.goto("/settings/notifications")
    page.wait_for_function(CONTROLLED_BY_ACTIVE_WORKER, timeout=WORKER_TIMEOUT)
    page.reload()
    status = page.locator("#push-device .push-status")
    expect(status).to_have_text("Reminders are off for this device.")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    # Headless Chromium has no push service to subscribe with: the failure is said plainly.
    page.get_by_role("button", name="Turn reminders on for this device").click()
    expect(status).to_have_text("Reminders could not be switched on. Try again later.")

    page.get_by_label("From").fill("22:00")
    page.get_by_label("Until").fill("07:00")
    page.get_by_label("Hearings: two hours before").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Your reminder settings are saved.")
    expect(page.get_by_label("From")).to_have_value("22:00")
    expect(page.get_by_label("Hearings: two hours before")).not_to_be_checked()
    expect(page.get_by_label("Hearings: the evening before, at 18:00")).to_be_checked()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_upcoming_opens_offline(page: Page, live_server):
    from datetime import UTC, datetime, timedelta

    from tests.support.entries import plaintext, submit

    user_id = make_user("ion", language="en")
    case_id, code = open_case(user_id)
    hearing = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    submit(user_id, plaintext("accompaniment", case_id, next_hearing_at=hearing.isoformat()))
    log_in(page, "ion")
    wait_until_ready_offline(page)
    page.context.set_offline(True)
    page.goto("/upcoming")
    expect(page.locator("#deadlines-this_week")).to_contain_text(code)
    expect(page.locator("#deadlines-this_week")).to_contain_text("Next hearing")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.context.set_offline(False)


def test_the_device_switch_shows_one_button_at_a_time(page: Page, live_server):
    make_user("ion", language="en")
    log_in(page, "ion")
    page.goto("/settings/notifications")
    expect(page.locator("#push-device .push-status")).to_have_text(
        "Reminders are off for this device."
    )
    expect(page.get_by_role("button", name="Turn reminders on for this device")).to_be_visible()
    expect(page.get_by_role("button", name="Turn reminders off for this device")).to_be_hidden()
