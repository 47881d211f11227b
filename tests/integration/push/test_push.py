"""Web Push against a push service on 127.0.0.1: what pywebpush sends is decrypted with the
subscription's private key (as the phone would) and checked — VAPID, TTL, topic, urgency, and
that nothing personal is in it; 404/410 delete the subscription, 500 is retried later; the
subscription API refuses endpoints outside the allowlist."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from py_vapid import Vapid

from server.deadlines.scheduler import run_scheduler_once
from server.push import services as push
from server.push import vapid
from server.push.tables import PushDelivery, PushSubscription
from server.settings import get_settings
from tests.support.accounts import log_in, make_user
from tests.support.entries import open_case, plaintext, submit
from tests.support.push_service import BrowserKeys, PushService, b64url_decode
from tests.support.run import run

CHISINAU = ZoneInfo("Europe/Chisinau")
DAY = date(2026, 3, 10)
SECRET_NOTES = "Ana Popescu told us her trafficker waits at the bus station in Balti"


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[PushService]:
    """A push service on 127.0.0.1, allowed by ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST with its port
    (the public services stay allowed)."""
    with PushService() as running:
        monkeypatch.setenv(
            "ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST",
            f"https://fcm.googleapis.com/,https://web.push.apple.com/,{running.origin}/push/",
        )
        get_settings.cache_clear()
        yield running
        get_settings.cache_clear()


def subscribe(user_id: int, service: PushService, path: str = "/push/device-1") -> BrowserKeys:
    keys = BrowserKeys()
    run(push.subscribe(user_id, keys.subscription(service.url(path)), "Test phone"))
    return keys


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CHISINAU).astimezone(UTC)


@pytest.fixture
def hearing_tomorrow() -> tuple[int, str]:
    """ion's case has a hearing on DAY+1 at 09:30; the sealed entry names the person."""
    ion = make_user("ion", "coordinator", "VPC North", "MD", language="en")
    case_id, code = open_case(ion, notes="Ana Popescu, 19, from Balti")
    result = submit(
        ion,
        plaintext(
            "accompaniment",
            case_id,
            next_hearing_at=datetime.combine(
                DAY + timedelta(days=1), time(9, 30), CHISINAU
            ).isoformat(),
            notes=SECRET_NOTES,
        ),
    )
    assert result["status"] == "stored", result
    return ion, code


def test_the_vapid_key_is_made_once_readable_by_the_server_only(client, data_dir):
    first = client.get("/api/v1/push/vapid-public-key")
    assert first.status_code == 200
    raw = b64url_decode(first.json()["key"])
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point
    assert client.get("/api/v1/push/vapid-public-key").json() == first.json()
    path = data_dir / "keys" / vapid.FILE_NAME
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_the_reminder_reaches_the_phone_encrypted_signed_and_without_personal_data(
    service, hearing_tomorrow
):
    ion, code = hearing_tomorrow
    keys = subscribe(ion, service)
    summary = run(run_scheduler_once(at(DAY, 18, 0)))
    assert summary.pushed["sent"] == 1
    assert len(service.received) == 1
    message = service.received[0]

    # Encrypted for this subscription only (aes128gcm), and it opens with its private key.
    assert message.headers["content-encoding"] == "aes128gcm"
    assert SECRET_NOTES.encode() not in message.body
    body = keys.decrypt(message.body)
    assert set(body) == {"kind", "title", "body", "url"}
    assert body["kind"] == "hearing"
    assert body["url"] == f"/cases/{code}"
    assert body["url"].startswith("/") and not body["url"].startswith("//")
    assert "09:30" in body["title"]
    text = json.dumps(body, ensure_ascii=False)
    for personal in ("Ana", "Popescu", "Balti", "trafficker", "ion"):
        assert personal not in text

    # A phone that is off for a day still gets it; a newer reminder of the hearing replaces it.
    assert int(message.headers["ttl"]) >= 24 * 3600
    assert message.headers["urgency"] == "high"
    assert message.headers["topic"] == push.topic_of("hearing", f"/cases/{code}")
    assert len(message.headers["topic"]) <= 32

    # VAPID: signed by the server's key, for this push service's origin.
    authorization = message.headers["authorization"]
    assert authorization.startswith("vapid ")
    assert Vapid.verify(authorization)
    parts = dict(part.split("=", 1) for part in authorization.split(" ", 1)[1].split(","))
    assert parts["k"] == vapid.public_key()
    claims_b64 = parts["t"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(claims_b64 + "=" * (-len(claims_b64) % 4)))
    assert claims["aud"] == service.origin
    assert claims["sub"].startswith("mailto:")
    assert claims["exp"] > datetime.now(UTC).timestamp()

    # The two-hour reminder goes out under the same topic; nothing is sent twice.
    run(run_scheduler_once(at(DAY, 18, 5)))
    assert len(service.received) == 1
    run(run_scheduler_once(at(DAY + timedelta(days=1), 7, 30)))
    assert len(service.received) == 2
    assert service.received[1].headers["topic"] == message.headers["topic"]
    assert keys.decrypt(service.received[1].body)["kind"] == "hearing"
    assert run(PushDelivery.count()) == 0


def test_a_subscription_that_answers_410_is_deleted(service, hearing_tomorrow):
    ion, _code = hearing_tomorrow
    subscribe(ion, service)
    service.status = 410
    summary = run(run_scheduler_once(at(DAY, 18, 0)))
    assert summary.pushed["gone"] == 1
    assert run(PushSubscription.count()) == 0
    assert run(PushDelivery.count()) == 0


def test_a_subscription_that_answers_404_is_deleted_and_others_still_get_theirs(
    service, hearing_tomorrow
):
    ion, _code = hearing_tomorrow
    subscribe(ion, service, "/push/gone")
    keys = subscribe(ion, service, "/push/kept")
    service.statuses = {"/push/gone": 404, "/push/kept": 201}
    summary = run(run_scheduler_once(at(DAY, 18, 0)))
    assert summary.pushed == {"sent": 1, "gone": 1, "retry": 0, "dropped": 0}
    endpoints = [row["endpoint"] for row in run(PushSubscription.select())]
    assert endpoints == [service.url("/push/kept")]
    kept = [r for r in service.received if r.path == "/push/kept"]
    assert keys.decrypt(kept[0].body)["kind"] == "hearing"


def test_a_failure_is_retried_later_with_backoff(service, hearing_tomorrow):
    ion, _code = hearing_tomorrow
    keys = subscribe(ion, service)
    service.status = 500
    first = at(DAY, 18, 0)
    assert run(run_scheduler_once(first)).pushed["retry"] == 1
    assert len(service.received) == 1
    # Not before the backoff is over…
    run(run_scheduler_once(first + timedelta(seconds=30)))
    assert len(service.received) == 1
    # …then again; the second failure waits twice as long.
    run(run_scheduler_once(first + timedelta(minutes=1)))
    assert len(service.received) == 2
    run(run_scheduler_once(first + timedelta(minutes=2, seconds=30)))
    assert len(service.received) == 2
    service.status = 201
    summary = run(run_scheduler_once(first + timedelta(minutes=3)))
    assert summary.pushed["sent"] == 1
    assert len(service.received) == 3
    assert keys.decrypt(service.received[-1].body)["kind"] == "hearing"
    assert run(PushDelivery.count()) == 0
    # The reminder itself was made once: the inbox has one line.
    from server.notifications.tables import Notification

    assert run(Notification.count().where(Notification.kind == "hearing")) == 1


def test_a_message_past_its_ttl_is_dropped_not_sent(service, hearing_tomorrow):
    ion, _code = hearing_tomorrow
    subscribe(ion, service)
    service.status = 503
    run(run_scheduler_once(at(DAY, 18, 0)))
    service.status = 201
    run(run_scheduler_once(at(DAY, 18, 0) + push.TTL + timedelta(minutes=1)))
    assert len(service.received) == 1
    assert run(PushDelivery.count()) == 0


def test_a_redirect_from_the_push_service_is_not_followed(service, hearing_tomorrow):
    ion, _code = hearing_tomorrow
    subscribe(ion, service)
    service.status = 307
    service.location = "http://127.0.0.1:9/internal"
    summary = run(run_scheduler_once(at(DAY, 18, 0)))
    assert summary.pushed["retry"] == 1
    assert [r.path for r in service.received] == ["/push/device-1"]


def test_a_device_switched_off_gets_nothing_and_the_inbox_still_does(service, hearing_tomorrow):
    ion, _code = hearing_tomorrow
    subscribe(ion, service)
    assert run(push.set_enabled(ion, service.url("/push/device-1"), False))
    run(run_scheduler_once(at(DAY, 18, 0)))
    assert service.received == []
    from server.notifications.tables import Notification

    assert run(Notification.count().where(Notification.user == ion)) >= 1


# --- The subscription API ---------------------------------------------------------------


def test_subscribing_through_the_api(client, service):
    make_user("ion")
    csrf = log_in(client, "ion")
    keys = BrowserKeys()
    response = client.post(
        "/api/v1/push/subscriptions",
        json=keys.subscription(service.url()),
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 201, response.text
    rows = run(PushSubscription.select())
    assert [row["endpoint"] for row in rows] == [service.url()]
    # The same browser again: still one subscription.
    again = client.post(
        "/api/v1/push/subscriptions",
        json=keys.subscription(service.url()),
        headers={"X-CSRFToken": csrf},
    )
    assert again.status_code == 201
    assert run(PushSubscription.count()) == 1
    # Switched off for this device, then forgotten.
    state = client.post(
        "/api/v1/push/subscriptions/state",
        json={"endpoint": service.url(), "enabled": False},
        headers={"X-CSRFToken": csrf},
    )
    assert state.status_code == 200
    assert run(PushSubscription.select(PushSubscription.enabled))[0]["enabled"] is False
    forget = client.post(
        "/api/v1/push/subscriptions/state",
        json={"endpoint": service.url(), "forget": True},
        headers={"X-CSRFToken": csrf},
    )
    assert forget.status_code == 200
    assert run(PushSubscription.count()) == 0


def test_subscribing_needs_a_session_and_the_csrf_token(client, service):
    body = BrowserKeys().subscription(service.url())
    assert client.post("/api/v1/push/subscriptions", json=body).status_code == 401
    make_user("ion")
    log_in(client, "ion")
    assert client.post("/api/v1/push/subscriptions", json=body).status_code == 403
    assert run(PushSubscription.count()) == 0


def test_another_users_device_cannot_be_switched(client, service):
    make_user("ion")
    maria = make_user("maria")
    subscribe(maria, service)
    csrf = log_in(client, "ion")
    response = client.post(
        "/api/v1/push/subscriptions/state",
        json={"endpoint": service.url(), "enabled": False},
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 404
    row = run(PushSubscription.select(PushSubscription.id, PushSubscription.enabled).first())
    assert row["enabled"] is True
    page = client.post(
        f"/settings/notifications/devices/{row['id']}",
        data={"_csrf_token": csrf, "enabled": "0"},
        follow_redirects=False,
    )
    assert page.status_code == 404


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8000/push/x",  # a local address not on the list
        "http://127.0.0.1/push/x",
        "https://fcm.googleapis.com.evil.example/fcm/send/x",
        "https://fcm.googleapis.com@evil.example/fcm/send/x",
        "https://user:pw@fcm.googleapis.com/fcm/send/x",
        "http://fcm.googleapis.com/fcm/send/x",  # the right host, without TLS
        "https://fcm.googleapis.com:8443/fcm/send/x",  # the right host, another port
        "https://evil.example/https://fcm.googleapis.com/",
        "https://FCM.googleapis.com.:443/x",
        "https://fcm.googleapis.com\\@evil.example/x",
        "https://fcm.googleapis.com /x",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "//fcm.googleapis.com/x",
        "",
    ],
)
def test_endpoints_outside_the_allowlist_are_refused_with_422(client, service, endpoint):
    make_user("ion")
    csrf = log_in(client, "ion")
    body = BrowserKeys().subscription(endpoint)
    response = client.post("/api/v1/push/subscriptions", json=body, headers={"X-CSRFToken": csrf})
    assert response.status_code == 422, (endpoint, response.text)
    assert response.json()["error"]["message"]
    assert run(PushSubscription.count()) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/push/../admin",
        "/push/./../admin",
        "/push/%2e%2e/admin",
        "/push/%2E%2E/admin",
        "/push/.%2e/admin",
        "/push/%2e./admin",
        "/push/x/../../admin",
        "/push/..%2fadmin",
        "/push/..%2Fadmin",
        "/push/..%5cadmin",
        "/push/%252e%252e/admin",  # encoded twice
        "/push\\..\\admin",
        "/push/x#/../admin",
        "/push/x?#",
        "/push/caf\u00e9",
    ],
)
def test_a_path_that_escapes_the_allowed_prefix_is_refused_with_422(client, service, path):
    """`…/push/../admin` starts with `…/push/` as a string, and an HTTP client sends it to
    `…/admin`: dot segments (also percent-encoded, any case) are refused, not compared."""
    make_user("ion")
    csrf = log_in(client, "ion")
    endpoint = service.origin + path
    assert not push.endpoint_allowed(endpoint)
    body = BrowserKeys().subscription(endpoint)
    response = client.post("/api/v1/push/subscriptions", json=body, headers={"X-CSRFToken": csrf})
    assert response.status_code == 422, (endpoint, response.text)
    assert run(PushSubscription.count()) == 0


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com:443@evil.example/fcm/send/x",
        "https://:@fcm.googleapis.com/fcm/send/x",
        "https://fcm.googleapis.com:99999/fcm/send/x",
        "https://fcm.googleapis.com:0443/fcm/send/x",
        "https://fcm.googleapis.com/fcm/send/../../x",
        "https://fcm.googleapis.com/fcm/send/%2E%2e/%2e%2E/x",
        "https://fcm.googleapis.com/fcm/send/x#frag",
    ],
)
def test_the_public_services_refuse_userinfo_ports_and_dot_segments(endpoint):
    defaults = get_settings().push_endpoint_allowlist
    assert not push.endpoint_allowed(endpoint, defaults)


def test_the_local_service_on_another_port_or_path_is_refused(service):
    port = urlsplit(service.origin).port
    assert push.endpoint_allowed(service.url("/push/x"))
    assert not push.endpoint_allowed(f"http://127.0.0.1:{port + 1}/push/x")
    assert not push.endpoint_allowed(service.url("/pushed/x"))
    assert not push.endpoint_allowed(service.url("/other"))
    assert push.endpoint_allowed("https://fcm.googleapis.com/fcm/send/abc")
    assert push.endpoint_allowed("https://FCM.GoogleAPIs.com/fcm/send/abc")


def test_by_default_only_the_public_services_over_https():
    defaults = get_settings().push_endpoint_allowlist
    assert all(prefix.startswith("https://") for prefix in defaults)
    assert push.endpoint_allowed("https://fcm.googleapis.com/fcm/send/abc", defaults)
    assert push.endpoint_allowed("https://web.push.apple.com/QGx", defaults)
    assert push.endpoint_allowed("https://updates.push.services.mozilla.com/wpush/v2/x", defaults)
    assert not push.endpoint_allowed("http://127.0.0.1/push/x", defaults)
    assert not push.endpoint_allowed("https://169.254.169.254/latest/meta-data", defaults)


@pytest.mark.parametrize(
    "keys",
    [
        {},
        {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"},
        {"p256dh": None, "auth": None},
        "not an object",
    ],
)
def test_bad_keys_are_refused_with_422(client, service, keys):
    make_user("ion")
    csrf = log_in(client, "ion")
    body = {"endpoint": service.url(), "keys": keys}
    response = client.post("/api/v1/push/subscriptions", json=body, headers={"X-CSRFToken": csrf})
    assert response.status_code == 422
    assert run(PushSubscription.count()) == 0


def test_a_body_that_is_not_json_is_a_400(client, service):
    make_user("ion")
    csrf = log_in(client, "ion")
    response = client.post(
        "/api/v1/push/subscriptions",
        content=b"{not json",
        headers={"X-CSRFToken": csrf, "content-type": "application/json"},
    )
    assert response.status_code == 400


def test_the_test_notification_button(client, service):
    ion = make_user("ion", language="en")
    keys = subscribe(ion, service)
    csrf = log_in(client, "ion")
    response = client.post(
        "/settings/notifications/test", data={"_csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/settings/notifications?test=1"
    body = keys.decrypt(service.received[0].body)
    assert body == {
        "kind": "test",
        "title": "Test notification",
        "body": "Reminders reach this device.",
        "url": "/settings/notifications",
    }
    page = client.get("/notifications")
    assert "Test notification" in page.text
    settings_page = client.get(response.headers["location"]).text
    assert "It was sent to 1 device." in settings_page
    assert "Test phone" in settings_page  # the device list names the browser


def test_the_test_notification_without_a_device_still_reaches_the_inbox(client):
    make_user("ion", language="en")
    csrf = log_in(client, "ion")
    response = client.post(
        "/settings/notifications/test", data={"_csrf_token": csrf}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "It was sent to 0 devices." in response.text
    assert "No device receives reminders yet." in response.text
    assert "Test notification" in client.get("/notifications").text


def test_switching_a_device_off_and_on_from_the_settings_page(client, service):
    ion = make_user("ion")
    subscribe(ion, service)
    csrf = log_in(client, "ion")
    device = run(PushSubscription.select(PushSubscription.id).first())["id"]
    response = client.post(
        f"/settings/notifications/devices/{device}",
        data={"_csrf_token": csrf, "enabled": "0"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert run(PushSubscription.select(PushSubscription.enabled))[0]["enabled"] is False
    assert "Switch on" in client.get("/settings/notifications").text
    client.post(
        f"/settings/notifications/devices/{device}", data={"_csrf_token": csrf, "enabled": "1"}
    )
    assert run(PushSubscription.select(PushSubscription.enabled))[0]["enabled"] is True
