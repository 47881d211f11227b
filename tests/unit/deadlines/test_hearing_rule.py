"""What closes a hearing, as the plain rule `closes_hearing`: each way of closing one, and
the near misses that must leave it open (a missed hearing is the worst failure there is)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from server.deadlines.services import LEGACY_RECORD_WINDOW, closes_hearing

CHISINAU = ZoneInfo("Europe/Chisinau")
CASE = "case-1"
SCHEDULED = datetime(2026, 3, 10, 9, 0, tzinfo=CHISINAU)  # the police, in the morning
HEARING_AT = datetime(2026, 3, 10, 15, 0, tzinfo=CHISINAU)  # the court, that afternoon


def hearing(root: str = "h1", **changes) -> dict:
    row = {"root": root, "case": CASE, "occurred_at": SCHEDULED, "due_at": HEARING_AT}
    return {**row, **changes}


def record(kind: str = "accompaniment", *, details: dict | str | None = None, **changes) -> dict:
    row = {
        "root": "r1",
        "case": CASE,
        "type": kind,
        "occurred_at": HEARING_AT,
        "details": json.dumps(details if details is not None else {}),
    }
    return {**row, **changes}


def test_an_accompaniment_that_names_the_hearing_closes_it():
    assert closes_hearing(record(details={"hearing": "h1"}), hearing())
    # Whenever it was logged: the coordinator said which hearing it records.
    early = record(details={"hearing": "h1"}, occurred_at=SCHEDULED - timedelta(days=1))
    assert closes_hearing(early, hearing())


def test_an_accompaniment_naming_no_hearing_closes_nothing():
    assert not closes_hearing(record(details={"hearing": None}), hearing())


def test_the_record_of_another_hearing_of_the_case_does_not_close_this_one():
    assert not closes_hearing(record(details={"hearing": "h2"}), hearing())


def test_a_record_of_another_case_closes_nothing():
    assert not closes_hearing(record(details={"hearing": "h1"}, case="case-2"), hearing())
    assert not closes_hearing(record(case="case-2"), hearing())  # legacy


def test_the_scheduling_entry_does_not_close_its_own_hearing():
    assert not closes_hearing(record(root="h1"), hearing())


def test_a_hearing_update_that_names_the_hearing_closes_it():
    for change in ("moved", "cancelled"):
        update = record("hearing_update", details={"hearing": "h1", "change": change})
        assert closes_hearing(update, hearing())
    other = record("hearing_update", details={"hearing": "h2", "change": "cancelled"})
    assert not closes_hearing(other, hearing())


def test_legacy_record_after_scheduling_and_within_the_window_closes_it():
    # An older phone leaves the key out: the rule of time.
    assert closes_hearing(record(occurred_at=HEARING_AT), hearing())
    assert closes_hearing(record(occurred_at=HEARING_AT - LEGACY_RECORD_WINDOW), hearing())
    assert closes_hearing(record(occurred_at=HEARING_AT + timedelta(days=1)), hearing())
    # Unreadable details are no hearing key: legacy too.
    assert closes_hearing(record(details="not json", occurred_at=HEARING_AT), hearing())


def test_legacy_record_four_hours_before_the_hearing_does_not_close_it():
    four_hours = record(occurred_at=HEARING_AT - timedelta(hours=4))
    assert not closes_hearing(four_hours, hearing())
    just_outside = record(occurred_at=HEARING_AT - LEGACY_RECORD_WINDOW - timedelta(minutes=1))
    assert not closes_hearing(just_outside, hearing())


def test_legacy_record_logged_before_the_hearing_was_scheduled_does_not_close_it():
    # The issue: the police accompaniment in the morning, then the one that set the hearing
    # later that day. The morning one happened before the hearing existed.
    scheduled_late = hearing(occurred_at=HEARING_AT - timedelta(hours=1))
    before = record(occurred_at=HEARING_AT - timedelta(hours=2))
    assert not closes_hearing(before, scheduled_late)
    # At the very moment of the scheduling entry: not after it, so not its record either.
    same_moment = record(occurred_at=HEARING_AT - timedelta(hours=1))
    assert not closes_hearing(same_moment, scheduled_late)
