"""`POST /api/v1/push/subscriptions/replace`: what the service worker sends on
`pushsubscriptionchange`. The browser's new subscription takes the old one's place for the
same user (the old row deleted), proven by the old endpoint and its auth secret — no session
or CSRF token, which a worker running with no page open cannot show. The next reminder
reaches the new subscription, decrypted with its keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.deadlines.scheduler import run_scheduler_once
from server.push import services as push
from server.push.tables import PushSubscription
from server.settings import get_settings
from tests.support.accounts import log_in, make_user
from tests.support.entries import open_case, plaintext, submit
from tests.support.push_service import BrowserKeys, PushService
from tests.support.run import run

CHISINAU = ZoneInfo("Europe/Chisinau")
DAY = date(2026, 3, 10)
REPLACE = "/api/v1/push/subscriptions/replace"


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[PushService]:
    with PushService() as running:
        monkeypatch.setenv("ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST", f"{running.origin}/push/")
        get_settings.cache_clear()
        yield running
        get_settings.cache_clear()


def proof(keys: BrowserKeys, endpoint: str) -> dict:
    subscription = keys.subscription(endpoint)
    return {"endpoint": subscription["endpoint"], "keys": {"auth": subscription["keys"]["auth"]}}


def rows() -> list[dict]:
    return run(
        PushSubscription.select(
            PushSubscription.user, PushSubscription.endpoint, PushSubscription.enabled
        ).order_by(PushSubscription.id)
    )


def test_the_new_subscription_replaces_the_old_one_and_gets_the_next_reminder(client, service):
    ion = make_user("ion", "coordinator", "VPC North", "MD")
    maria = make_user("maria", "coordinator", "VPC North", "MD")
    old_keys, new_keys, marias = BrowserKeys(), BrowserKeys(), BrowserKeys()
    old, new = service.url("/push/ion-old"), service.url("/push/ion-new")
    run(push.subscribe(ion, old_keys.subscription(old), "Phone"))
    run(push.subscribe(maria, marias.subscription(service.url("/push/maria")), "Phone"))

    # No session, no CSRF token: the worker proves the old subscription instead.
    answer = client.post(
        REPLACE, json={"old": proof(old_keys, old), "new": new_keys.subscription(new)}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "replaced"}
    assert rows() == [
        {"user": maria, "endpoint": service.url("/push/maria"), "enabled": True},
        {"user": ion, "endpoint": new, "enabled": True},
    ]

    case_id, _code = open_case(ion)
    hearing = datetime.combine(DAY + timedelta(days=1), time(9, 0), CHISINAU)
    submit(ion, plaintext("accompaniment", case_id, next_hearing_at=hearing.isoformat()))
    run(run_scheduler_once(datetime.combine(DAY, time(18, 0), CHISINAU).astimezone(UTC)))
    to_ion = [r for r in service.received if r.path.startswith("/push/ion")]
    assert [r.path for r in to_ion] == ["/push/ion-new"]
    assert new_keys.decrypt(to_ion[0].body)["kind"] == "hearing"


def test_a_device_switched_off_stays_off_after_the_change(client, service):
    ion = make_user("ion")
    old_keys, new_keys = BrowserKeys(), BrowserKeys()
    old, new = service.url("/push/old"), service.url("/push/new")
    run(push.subscribe(ion, old_keys.subscription(old), ""))
    run(push.set_enabled(ion, old, False))
    answer = client.post(
        REPLACE, json={"old": proof(old_keys, old), "new": new_keys.subscription(new)}
    )
    assert answer.status_code == 200
    assert rows() == [{"user": ion, "endpoint": new, "enabled": False}]


def test_without_the_old_auth_secret_nothing_is_replaced(client, service):
    ion = make_user("ion")
    old_keys, thief = BrowserKeys(), BrowserKeys()
    old = service.url("/push/old")
    run(push.subscribe(ion, old_keys.subscription(old), ""))
    attempts = [
        {"endpoint": old, "keys": {"auth": proof(thief, old)["keys"]["auth"]}},  # wrong secret
        {"endpoint": old},  # no secret
        {"endpoint": service.url("/push/other"), "keys": proof(old_keys, old)["keys"]},
        "not an object",
    ]
    for old_part in attempts:
        answer = client.post(
            REPLACE,
            json={"old": old_part, "new": thief.subscription(service.url("/push/thief"))},
        )
        assert answer.status_code == 404, (old_part, answer.text)
    assert rows() == [{"user": ion, "endpoint": old, "enabled": True}]


def test_a_new_subscription_outside_the_allowlist_or_malformed_is_refused(client, service):
    ion = make_user("ion")
    old_keys = BrowserKeys()
    old = service.url("/push/old")
    run(push.subscribe(ion, old_keys.subscription(old), ""))
    outside = BrowserKeys().subscription("http://127.0.0.1:1/internal")
    answer = client.post(REPLACE, json={"old": proof(old_keys, old), "new": outside})
    assert answer.status_code == 422
    bad_keys = {"endpoint": service.url("/push/new"), "keys": {"p256dh": "AA", "auth": "AA"}}
    assert (
        client.post(REPLACE, json={"old": proof(old_keys, old), "new": bad_keys}).status_code == 422
    )
    assert client.post(REPLACE, json={"old": proof(old_keys, old)}).status_code == 400
    assert client.post(REPLACE, content=b"{not json").status_code == 400
    assert rows() == [{"user": ion, "endpoint": old, "enabled": True}]


def test_a_signed_in_page_needs_no_csrf_token_for_it_either(client, service):
    """The worker's fetch carries the session cookie when someone is signed in: the proof is
    what counts, not the cookie, and the CSRF check does not stand in the way."""
    ion = make_user("ion")
    log_in(client, "ion")
    old_keys, new_keys = BrowserKeys(), BrowserKeys()
    old, new = service.url("/push/old"), service.url("/push/new")
    run(push.subscribe(ion, old_keys.subscription(old), ""))
    answer = client.post(
        REPLACE, json={"old": proof(old_keys, old), "new": new_keys.subscription(new)}
    )
    assert answer.status_code == 200
    assert [row["endpoint"] for row in rows()] == [new]
