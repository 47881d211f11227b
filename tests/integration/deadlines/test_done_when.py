"""The issue's "done when": a hearing logged for tomorrow morning (through the sync API, from
the coordinator's phone) produces exactly one evening reminder and one two-hour reminder on
the coordinator's phone, and nothing readable by anyone else — with the scheduler ticking
every five minutes from the moment it is logged until after the hearing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.deadlines.scheduler import run_scheduler_once
from server.deadlines.tables import Reminder
from server.notifications.tables import Notification
from server.push import services as push
from server.settings import get_settings
from tests.support.accounts import log_in, make_user
from tests.support.entries import open_case, plaintext, register_device, sealed_envelope, sync
from tests.support.push_service import BrowserKeys, PushService
from tests.support.run import run

CHISINAU = ZoneInfo("Europe/Chisinau")
LOGGED = datetime.combine(date(2026, 3, 10), time(11, 20), CHISINAU)
HEARING = datetime.combine(date(2026, 3, 11), time(9, 0), CHISINAU)


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch):
    with PushService() as running:
        monkeypatch.setenv("ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST", f"{running.origin}/push/")
        get_settings.cache_clear()
        yield running
        get_settings.cache_clear()


def test_one_evening_and_one_two_hour_reminder_on_the_coordinators_phone_only(client, service):
    ion = make_user("ion", "coordinator", "VPC North", "MD", language="ro")
    others = {
        "maria": make_user("maria", "coordinator", "VPC North", "MD"),
        "elena": make_user("elena", "supervisor", "VPC North", "MD"),
        "victor": make_user("victor", "coordinator", "VPC South", "MD"),
    }
    case_id, code = open_case(ion)
    phones = {"ion": BrowserKeys()}
    run(push.subscribe(ion, phones["ion"].subscription(service.url("/push/ion")), ""))
    for name, user_id in others.items():
        phones[name] = BrowserKeys()
        run(push.subscribe(user_id, phones[name].subscription(service.url(f"/push/{name}")), ""))

    csrf = log_in(client, "ion")
    _device, token = register_device(client, csrf)
    entry = plaintext(
        "accompaniment",
        case_id,
        occurred_at=LOGGED.isoformat(),
        next_hearing_at=HEARING.isoformat(),
        notes="Ana Popescu will testify; her brother threatens her",
    )
    answer = sync(client, token, [sealed_envelope(entry)])
    assert answer.json()["results"][0]["status"] == "stored"
    # The entries-waiting line of the supervisor is not a reminder; start from a clean inbox.
    run(Notification.delete(force=True))

    moment = LOGGED.astimezone(UTC)
    while moment <= (HEARING + timedelta(hours=1)).astimezone(UTC):
        run(run_scheduler_once(moment))
        moment += timedelta(minutes=5)

    received = {name: [r for r in service.received if r.path == f"/push/{name}"] for name in phones}
    messages = [phones["ion"].decrypt(r.body) for r in received["ion"]]
    assert len(messages) == 2, messages
    for name in others:
        assert received[name] == [], name
    evening, two_hours = (phones["ion"].decrypt(r.body) for r in received["ion"])
    assert evening["kind"] == two_hours["kind"] == "hearing"
    assert evening["url"] == two_hours["url"] == f"/cases/{code}"
    # In ion's language (Romanian), with the hearing's local time.
    assert "09:00" in evening["title"]
    assert evening["title"] != "Hearing on 11 Mar 2026 at 09:00"
    for text in (str(evening), str(two_hours)):
        assert "Ana" not in text and "Popescu" not in text and "brother" not in text

    # Nobody else can read ion's messages: another phone's keys do not open them.
    for name in others:
        with pytest.raises(Exception):  # noqa: B017 - any failure to decrypt is the point
            phones[name].decrypt(received["ion"][0].body)

    # Sent at 18:00 the evening before and at 07:00 (two hours before), once each.
    rows = run(
        Reminder.select(Reminder.user, Reminder.lead, Reminder.sent_at).order_by(Reminder.id)
    )
    assert [(row["user"], row["lead"]) for row in rows] == [
        (ion, "hearing_evening"),
        (ion, "hearing_two_hours"),
    ]
    assert [row["sent_at"].astimezone(CHISINAU).strftime("%d %H:%M") for row in rows] == [
        "10 18:00",
        "11 07:00",
    ]
    assert run(Notification.count().where(Notification.kind == "hearing")) == 2
