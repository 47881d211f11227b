"""The service worker's `pushsubscriptionchange` handler in real Chromium, against the real
server process and database.

What this proves, and what it does not: `pushManager.subscribe()` cannot reach a push service
from headless Chromium here (FIELD-NOTES), and Chromium gives no way to make the browser
itself change a subscription. So the test replaces `subscribe` on the worker's own
`pushManager` (inside the worker, through the DevTools protocol) with a stand-in that records
the options it is called with and returns a subscription made in the test; and it dispatches
a `pushsubscriptionchange` event made in the worker. Everything after that is the worker's
own code: fetching the VAPID key, calling `subscribe` with it, proving the old subscription to
the server and remembering the new one — and the server's answer, checked in the database.
That the browser fires the event, and a real push service's subscription, are not exercised.
"""

from __future__ import annotations

import base64
import time

from playwright.sync_api import Page

from server.push import services as push
from server.push import vapid
from server.push.tables import PushSubscription
from tests.browser.test_push_worker import service_worker
from tests.support.accounts import make_user
from tests.support.capture_page import CONTROLLED_BY_ACTIVE_WORKER, WORKER_TIMEOUT, log_in
from tests.support.push_service import BrowserKeys
from tests.support.run import run

FCM = "https://fcm.googleapis.com/fcm/send/"

# Inside the worker: a stand-in for `subscribe` that returns `next` (a subscription's JSON),
# then a `pushsubscriptionchange` event with `old` (or none) dispatched to the worker.
CHANGE = """
async ({ old, next }) => {
  const asSubscription = (json) => json && ({
    endpoint: json.endpoint,
    options: { userVisibleOnly: true, applicationServerKey: null },
    toJSON: () => json,
  });
  self.__subscribeCalls = [];
  self.registration.pushManager.subscribe = async (options) => {
    const key = new Uint8Array(options.applicationServerKey);
    self.__subscribeCalls.push({
      userVisibleOnly: options.userVisibleOnly,
      key: btoa(String.fromCharCode(...key))
        .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, ""),
    });
    return asSubscription(next);
  };
  const event = new ExtendableEvent("pushsubscriptionchange");
  Object.defineProperty(event, "oldSubscription", { value: asSubscription(old) });
  Object.defineProperty(event, "newSubscription", { value: null });
  // A script-made event cannot be kept alive with waitUntil (it is not trusted): the
  // handler's work runs all the same, and the test waits for its result in the database.
  try { self.dispatchEvent(event); } catch (error) {}
  return true;
}
"""

CALLS = "() => self.__subscribeCalls"
REMEMBERED = """
async () => {
  const hit = await (await caches.open("alongside-push")).match("/__alongside/push-subscription");
  return hit ? hit.json() : null;
}
"""


def endpoints() -> list[tuple[int, str]]:
    rows = run(PushSubscription.select(PushSubscription.user, PushSubscription.endpoint))
    return sorted((row["user"], row["endpoint"]) for row in rows)


def wait_for(expected, read, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        value = read()
    assert value == expected
    return value


def test_the_worker_subscribes_again_and_the_server_replaces_the_old_subscription(
    page: Page, live_server
):
    ion = make_user("ion")
    maria = make_user("maria")
    old_keys, new_keys, third_keys = BrowserKeys(), BrowserKeys(), BrowserKeys()
    old = old_keys.subscription(FCM + "ion-old")
    run(push.subscribe(ion, old, "Chromium"))
    run(push.subscribe(maria, BrowserKeys().subscription(FCM + "maria"), "Chromium"))

    log_in(page, "ion")
    page.wait_for_function(CONTROLLED_BY_ACTIVE_WORKER, timeout=WORKER_TIMEOUT)
    worker = service_worker(page)

    # The browser changed ion's subscription and says which was the old one.
    new = new_keys.subscription(FCM + "ion-new")
    worker.evaluate(CHANGE, {"old": old, "next": new})
    wait_for([(ion, FCM + "ion-new"), (maria, FCM + "maria")], endpoints)
    calls = worker.evaluate(CALLS)
    # Subscribed again with the server's VAPID key, for visible notifications only.
    assert calls == [{"userVisibleOnly": True, "key": vapid.public_key()}]
    remembered = worker.evaluate(REMEMBERED)
    assert remembered == {"endpoint": new["endpoint"], "keys": {"auth": new["keys"]["auth"]}}

    # A browser that gives no old subscription: the worker proves the one it remembers.
    third = third_keys.subscription(FCM + "ion-third")
    worker = service_worker(page)
    worker.evaluate(CHANGE, {"old": None, "next": third})
    wait_for([(ion, FCM + "ion-third"), (maria, FCM + "maria")], endpoints)
    row = run(
        PushSubscription.select(PushSubscription.auth)
        .where(PushSubscription.endpoint == FCM + "ion-third")
        .first()
    )
    assert row["auth"] == base64.urlsafe_b64encode(third_keys.auth_secret).rstrip(b"=").decode()


def test_a_change_without_a_valid_proof_replaces_nothing(page: Page, live_server):
    ion = make_user("ion")
    real = BrowserKeys().subscription(FCM + "ion")
    run(push.subscribe(ion, real, "Chromium"))
    log_in(page, "ion")
    page.wait_for_function(CONTROLLED_BY_ACTIVE_WORKER, timeout=WORKER_TIMEOUT)
    worker = service_worker(page)
    # Same endpoint, someone else's auth secret.
    forged = {**real, "keys": BrowserKeys().subscription(FCM + "ion")["keys"]}
    worker.evaluate(CHANGE, {"old": forged, "next": BrowserKeys().subscription(FCM + "x")})
    wait_for(1, lambda: len(worker.evaluate(CALLS) or []))
    time.sleep(1.0)  # the worker's request has had time to arrive
    assert endpoints() == [(ion, FCM + "ion")]
    assert worker.evaluate(REMEMBERED) is None
