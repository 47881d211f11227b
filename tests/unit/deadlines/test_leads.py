"""Lead times, quiet hours and the choice of the reminder to send, as plain functions —
including the nights when the clocks change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.deadlines.scheduler import due_lead, leads, still_ahead
from server.deadlines.services import Deadline, Preferences, parse_clock, parse_period
from server.push.services import endpoint_allowed, retry_delay, topic_of

CHISINAU = ZoneInfo("Europe/Chisinau")
BELGRADE = ZoneInfo("Europe/Belgrade")
NONE = Preferences()


def hearing(at: datetime) -> Deadline:
    return Deadline(key="hearing:x", kind="hearing", user_id=1, url="/cases/MD-1", due_at=at)


def on(kind: str, day: date) -> Deadline:
    return Deadline(key=f"{kind}:x", kind=kind, user_id=1, url="/upcoming", due_on=day)


def test_hearing_leads_across_the_spring_clock_change():
    # Moldova moves to summer time on 29 March 2026 at 03:00: the evening before is still
    # winter time (+02:00), two hours before the 09:00 hearing is summer time (+03:00).
    at = datetime(2026, 3, 29, 9, 0, tzinfo=CHISINAU)
    (evening_name, evening), (two_name, two) = leads(hearing(at), CHISINAU)
    assert evening_name == "hearing_evening" and two_name == "hearing_two_hours"
    assert evening.astimezone(UTC) == datetime(2026, 3, 28, 16, 0, tzinfo=UTC)
    assert two.astimezone(UTC) == datetime(2026, 3, 29, 4, 0, tzinfo=UTC)
    assert two.astimezone(CHISINAU).time() == time(7, 0)


def test_morning_leads_across_the_autumn_clock_change_in_belgrade():
    # Back to winter time on 25 October 2026: 08:00 is 07:00 UTC that day, 06:00 the day before.
    [(name, at)] = leads(on("follow_up", date(2026, 10, 25)), BELGRADE)
    assert name == "morning" and at.astimezone(UTC) == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)
    [(name, at)] = leads(on("reassessment", date(2026, 10, 24)), BELGRADE)
    assert at.astimezone(UTC) == datetime(2026, 10, 24, 6, 0, tzinfo=UTC)


def test_report_leads():
    three, one = leads(on("report_due", date(2026, 1, 31)), CHISINAU)
    assert three == ("report_three_days", datetime(2026, 1, 28, 8, 0, tzinfo=CHISINAU))
    assert one == ("report_one_day", datetime(2026, 1, 30, 8, 0, tzinfo=CHISINAU))


def test_only_the_latest_due_lead_is_chosen():
    at = datetime(2026, 3, 11, 9, 0, tzinfo=CHISINAU)
    deadline = hearing(at)
    assert due_lead(deadline, datetime(2026, 3, 10, 17, 0, tzinfo=CHISINAU), CHISINAU, NONE) is None
    name, _ = due_lead(deadline, datetime(2026, 3, 10, 19, 0, tzinfo=CHISINAU), CHISINAU, NONE)
    assert name == "hearing_evening"
    name, _ = due_lead(deadline, datetime(2026, 3, 11, 8, 0, tzinfo=CHISINAU), CHISINAU, NONE)
    assert name == "hearing_two_hours"
    assert due_lead(deadline, at, CHISINAU, NONE) is None  # it has begun


def test_a_lead_switched_off_leaves_the_earlier_one():
    prefs = Preferences(leads_off=frozenset({"hearing_two_hours"}))
    deadline = hearing(datetime(2026, 3, 11, 9, 0, tzinfo=CHISINAU))
    name, _ = due_lead(deadline, datetime(2026, 3, 11, 8, 0, tzinfo=CHISINAU), CHISINAU, prefs)
    assert name == "hearing_evening"


@pytest.mark.parametrize(
    ("start", "end", "clock", "quiet"),
    [
        (time(22, 0), time(7, 0), time(23, 30), True),
        (time(22, 0), time(7, 0), time(6, 59), True),
        (time(22, 0), time(7, 0), time(7, 0), False),
        (time(22, 0), time(7, 0), time(21, 59), False),
        (time(13, 0), time(14, 0), time(13, 30), True),
        (time(13, 0), time(14, 0), time(14, 0), False),
        (time(8, 0), time(8, 0), time(8, 0), False),  # the same start and end: none
        (None, None, time(3, 0), False),  # off until set
    ],
)
def test_quiet_hours(start, end, clock, quiet):
    prefs = Preferences(frozenset(), start, end)
    assert prefs.quiet(datetime.combine(date(2026, 3, 10), clock, CHISINAU)) is quiet


def test_late_work_stays_ahead_dated_work_does_not():
    past = date(2026, 3, 1)
    now = datetime(2026, 3, 10, 12, 0, tzinfo=CHISINAU)
    assert still_ahead(on("correction_due", past), now, CHISINAU)
    assert still_ahead(on("approvals_overdue", past), now, CHISINAU)
    assert not still_ahead(on("follow_up", past), now, CHISINAU)
    assert still_ahead(on("follow_up", date(2026, 3, 10)), now, CHISINAU)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("07:30", time(7, 30)),
        ("23:59", time(23, 59)),
        ("24:00", None),
        ("7:30", None),
        ("07-30", None),
        ("", None),
        ("ab:cd", None),
    ],
)
def test_clock_times(text, parsed):
    assert parse_clock(text) == parsed


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("2026-01", "2026-01"), ("2026-1", None), ("2026-13", None), ("1999-05", None), ("x", None)],
)
def test_periods(text, parsed):
    assert parse_period(text) == parsed


ALLOW = ("https://fcm.googleapis.com/", "http://127.0.0.1:8123/push")


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", True),
        ("https://fcm.googleapis.com:443/fcm/send/abc", True),
        ("https://fcm.googleapis.com.evil.example/fcm/send/abc", False),
        ("https://fcm.googleapis.com@evil.example/", False),
        ("https://evil.example#@fcm.googleapis.com/", False),
        ("https://fcm.googleapis.com/x#frag", False),
        ("http://127.0.0.1:8123/push", True),
        ("http://127.0.0.1:8123/push/a", True),
        ("http://127.0.0.1:8123/pushy", False),
        ("http://127.0.0.1:8124/push/a", False),
        ("http://127.0.0.1/push/a", False),
        ("http://localhost:8123/push/a", False),
        ("http://[::1]:8123/push/a", False),
        ("https://fcm.googleapis.com:99999/x", False),
        ("https://fcm.googleapis.com/" + "a" * 2000, False),
        (None, False),
    ],
)
def test_endpoint_allowlist(endpoint, allowed):
    assert endpoint_allowed(endpoint, ALLOW) is allowed


def test_topics_and_backoff():
    assert topic_of("hearing", "/cases/MD-1") == topic_of("hearing", "/cases/MD-1")
    assert topic_of("hearing", "/cases/MD-1") != topic_of("hearing", "/cases/MD-2")
    assert len(topic_of("hearing", "/cases/MD-1")) == 32
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 7, 20)] == [60, 120, 240, 3600, 3600]
    assert retry_delay(6) == timedelta(minutes=32)
