"""The issue's own sequence, end to end: entries from the coordinator's phone through the sync
API, the scheduler ticking every five minutes on a controlled clock, and the reminders
delivered to a real local push endpoint, decrypted and read.

A police accompaniment in the morning, then an accompaniment that sets a court hearing for
later that day: the coordinator is reminded, once per lead, with no case content. A returned
accompaniment's hearing is still reminded; a moved hearing's old reminders stop and the new
date's come."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.approvals.services import decide
from server.deadlines.scheduler import run_scheduler_once
from server.deadlines.tables import Reminder
from server.push import services as push
from server.settings import get_settings
from tests.support.accounts import log_in, make_user
from tests.support.approvals import current_user
from tests.support.entries import plaintext, register_device, sealed_envelope, sync
from tests.support.push_service import BrowserKeys, PushService
from tests.support.run import run

CHISINAU = ZoneInfo("Europe/Chisinau")
DAY = date(2026, 3, 10)
SECRET = "Ana Popescu"  # in the sealed notes: must never reach a push message


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), CHISINAU)


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch):
    with PushService() as running:
        monkeypatch.setenv("ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST", f"{running.origin}/push/")
        get_settings.cache_clear()
        yield running
        get_settings.cache_clear()


@pytest.fixture
def phone(client, service):
    """Ion, a coordinator with one case, a registered device and a subscribed phone."""
    ion = make_user("ion", "coordinator", "VPC North", "MD")
    elena = make_user("elena", "supervisor", "VPC North", "MD")
    keys = BrowserKeys()
    run(push.subscribe(ion, keys.subscription(service.url("/push/ion")), ""))
    csrf = log_in(client, "ion")
    _device, token = register_device(client, csrf)
    intake = plaintext("case_intake")
    answer = sync(client, token, [sealed_envelope(intake)]).json()["results"][0]
    assert answer["status"] == "stored", answer
    return {
        "ion": ion,
        "elena": elena,
        "keys": keys,
        "token": token,
        "case": intake["case"],
        "code": answer["case_code"],
    }


def send(client, phone: dict, entry: dict) -> str:
    envelope = sealed_envelope(entry)
    result = sync(client, phone["token"], [envelope]).json()["results"][0]
    assert result["status"] == "stored", result
    return result["id"]


def accompaniment(phone: dict, when: datetime, **fields) -> dict:
    return plaintext(
        "accompaniment",
        phone["case"],
        occurred_at=when.isoformat(),
        notes=f"{SECRET} testified; her brother threatens her",
        **fields,
    )


def ticks(start: datetime, end: datetime) -> list[tuple[str, datetime]]:
    """The scheduler every five minutes from start to end: (lead, when) of what it sent."""
    sent = []
    moment = start.astimezone(UTC)
    while moment <= end.astimezone(UTC):
        for key in run(run_scheduler_once(moment)).reminders:
            sent.append((key.split("|")[1], moment.astimezone(CHISINAU)))
        moment += timedelta(minutes=5)
    return sent


def delivered(service: PushService, phone: dict) -> list[dict]:
    messages = [phone["keys"].decrypt(r.body) for r in service.received if r.path == "/push/ion"]
    for message in messages:
        assert set(message) == {"kind", "title", "body", "url"}
        assert message["kind"] == "hearing"
        assert message["url"] == f"/cases/{phone['code']}"
        text = str(message)
        assert "Ana" not in text and "Popescu" not in text and "brother" not in text
    return messages


def test_a_hearing_set_for_the_afternoon_after_a_morning_accompaniment_is_reminded(
    client, service, phone
):
    # 09:00 the police (an older phone: it does not say which hearing it records).
    police = accompaniment(phone, at(9, 0), institution="police", next_hearing_at=None)
    send(client, phone, police)
    # 11:00 the prosecutor; the court hearing is set for 15:00 the same day.
    send(client, phone, accompaniment(phone, at(11, 0), next_hearing_at=at(15, 0).isoformat()))

    sent = ticks(at(11, 0), at(16, 0))
    # The evening before has passed: it goes out at the next run; the two-hour one at 13:00.
    assert sent == [("hearing_evening", at(11, 0)), ("hearing_two_hours", at(13, 0))]
    messages = delivered(service, phone)
    assert len(messages) == 2
    assert "15:00" in messages[-1]["title"] + messages[-1]["body"]
    assert run(Reminder.count()) == 2


def test_a_hearing_set_an_hour_ahead_is_reminded_at_the_next_run_once(client, service, phone):
    send(client, phone, accompaniment(phone, at(9, 0), institution="police"))
    send(client, phone, accompaniment(phone, at(14, 0), next_hearing_at=at(15, 0).isoformat()))
    sent = ticks(at(14, 0), at(16, 0))
    assert sent == [("hearing_two_hours", at(14, 0))]  # only the latest overdue lead
    assert len(delivered(service, phone)) == 1


def test_a_returned_accompaniments_hearing_is_still_reminded(client, service, phone):
    scheduling = send(
        client, phone, accompaniment(phone, at(10, 0), next_hearing_at=at(16, 0).isoformat())
    )
    run(decide(current_user(phone["elena"]), scheduling, "returned", "Say which court."))
    sent = ticks(at(10, 0), at(17, 0))
    assert sent == [("hearing_evening", at(10, 0)), ("hearing_two_hours", at(14, 0))]
    assert len(delivered(service, phone)) == 2


def test_a_moved_hearings_old_reminders_stop_and_the_new_dates_come(client, service, phone):
    tomorrow, later = DAY + timedelta(days=1), DAY + timedelta(days=3)
    scheduling = send(
        client,
        phone,
        accompaniment(phone, at(10, 0), next_hearing_at=at(9, 0, tomorrow).isoformat()),
    )
    assert ticks(at(17, 55), at(18, 5)) == [("hearing_evening", at(18, 0))]
    # That evening the court moves the hearing to three days later, at 11:00.
    moved = plaintext(
        "hearing_update",
        phone["case"],
        occurred_at=at(19, 0).isoformat(),
        hearing=scheduling,
        change="moved",
        next_hearing_at=at(11, 0, later).isoformat(),
        notes=f"{SECRET}'s lawyer asked for more time",
    )
    send(client, phone, moved)
    # No two-hour reminder tomorrow morning for the old date; the new date's leads come.
    sent = ticks(at(19, 0), at(12, 0, later))
    assert sent == [
        ("hearing_evening", at(18, 0, later - timedelta(days=1))),
        ("hearing_two_hours", at(9, 0, later)),
    ]
    messages = delivered(service, phone)
    assert len(messages) == 3
    assert "11:00" in messages[-1]["title"] + messages[-1]["body"]
