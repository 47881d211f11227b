"""Each deadline rule of `server/deadlines/services.py` against its near misses, through the
real sync service and database, with a controlled `now`: what opens a deadline, what closes
it, and what must leave it open."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.approvals.services import decide
from server.deadlines.services import deadlines_for, set_report_due
from server.entries.tables import Entry, details_of
from server.reports import services as reports
from tests.support.accounts import make_user
from tests.support.approvals import current_user
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run

CHISINAU = ZoneInfo("Europe/Chisinau")
DAY = date(2026, 3, 10)  # a Tuesday: no monthly report falls due near it
MORNING = datetime.combine(DAY, time(9, 0), CHISINAU)
NOW = datetime.combine(DAY, time(7, 0), CHISINAU)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), CHISINAU)


@pytest.fixture
def team() -> dict:
    ion = make_user("ion", "coordinator", "VPC North", "MD")
    elena = make_user("elena", "supervisor", "VPC North", "MD")
    case_id, code = open_case(ion)
    other_case, other_code = open_case(ion)
    return {
        "ion": ion,
        "elena": elena,
        "case": case_id,
        "code": code,
        "other_case": other_case,
        "other_code": other_code,
    }


def stored(user_id: int, entry: dict) -> str:
    result = submit(user_id, entry)
    assert result["status"] == "stored", result
    return result["id"]


def schedule(user_id: int, case_id: str, when: datetime, hearing_at: datetime, **fields) -> str:
    """An accompaniment at `when` that sets a hearing at `hearing_at`."""
    entry = plaintext(
        "accompaniment",
        case_id,
        occurred_at=when.isoformat(),
        next_hearing_at=hearing_at.isoformat(),
        **fields,
    )
    return stored(user_id, entry)


def record(user_id: int, case_id: str, when: datetime, **fields) -> str:
    """An accompaniment at `when` (with `hearing=` when the phone names one)."""
    return stored(
        user_id, plaintext("accompaniment", case_id, occurred_at=when.isoformat(), **fields)
    )


def update(user_id: int, case_id: str, hearing: str, change: str, to: datetime | None = None):
    entry = plaintext(
        "hearing_update",
        case_id,
        occurred_at=NOW.isoformat(),
        hearing=hearing,
        change=change,
        next_hearing_at=to.isoformat() if to else None,
    )
    return submit(user_id, entry)


def open_hearings(user_id: int, now: datetime = NOW) -> list[tuple[str, datetime]]:
    found = run(deadlines_for(current_user(user_id), now))
    return [(d.case_code, d.due_at) for d in found if d.kind == "hearing"]


def kinds(user_id: int, now: datetime) -> list:
    return run(deadlines_for(current_user(user_id), now))


# --- hearing --------------------------------------------------------------------------------


def test_a_morning_accompaniment_does_not_close_the_hearing_it_preceded(team):
    """The issue: the police in the morning (legacy, no hearing key), then the accompaniment
    that sets a court hearing for the afternoon. The morning one was logged first."""
    ion, case = team["ion"], team["case"]
    record(ion, case, at(9, 0))  # police, the morning
    schedule(ion, case, at(11, 0), at(15, 0))  # sets the court hearing for 15:00
    assert open_hearings(ion, at(12, 0)) == [(team["code"], at(15, 0))]
    # Even when the morning accompaniment is within the window and logged later by an
    # older phone, it took place before the hearing was scheduled.
    record(ion, case, at(10, 30))
    assert open_hearings(ion, at(12, 0)) == [(team["code"], at(15, 0))]


def test_the_record_that_names_the_hearing_closes_it_from_any_version(team):
    ion, case = team["ion"], team["case"]
    first = schedule(ion, case, at(9, 0), at(15, 0, DAY + timedelta(days=2)))
    corrected = schedule(ion, case, at(9, 0), at(15, 0, DAY + timedelta(days=2)), revises=first)
    assert len(open_hearings(ion)) == 1
    # The phone named the correction: the deadline is keyed by the chain's root.
    record(ion, case, at(14, 0, DAY + timedelta(days=2)), hearing=corrected)
    stored_details = run(Entry.select(Entry.details).where(Entry.type == "accompaniment"))
    assert {"hearing": first} in [
        {k: v for k, v in details_of(row["details"]).items() if k == "hearing"}
        for row in stored_details
    ]
    assert open_hearings(ion) == []


def test_an_accompaniment_with_no_scheduled_hearing_closes_nothing(team):
    ion, case = team["ion"], team["case"]
    schedule(ion, case, at(9, 0), at(15, 0))
    record(ion, case, at(15, 0), hearing=None)  # at the very time, but "no scheduled hearing"
    assert open_hearings(ion) == [(team["code"], at(15, 0))]


def test_a_record_of_another_case_leaves_the_hearing_open(team):
    ion = team["ion"]
    schedule(ion, team["case"], at(9, 0), at(15, 0))
    record(ion, team["other_case"], at(15, 0))  # legacy, other case
    assert open_hearings(ion) == [(team["code"], at(15, 0))]
    # And a hearing of another case cannot be named at all.
    wrong = submit(
        ion,
        plaintext("accompaniment", team["other_case"], hearing=run(_first_root(team["case"]))),
    )
    assert wrong["status"] == "rejected" and wrong["error"]["code"] == "unknown_hearing"


async def _first_root(case_id: str) -> str:
    row = (
        await Entry.select(Entry.root)
        .where((Entry.case == case_id) & Entry.due_at.is_not_null())
        .first()
    )
    return str(row["root"])


def test_the_record_of_another_hearing_of_the_case_does_not_close_this_one(team):
    ion, case = team["ion"], team["case"]
    morning = schedule(ion, case, at(8, 0), at(11, 0))
    afternoon = schedule(ion, case, at(8, 30), at(13, 0))
    # The record of the 11:00 hearing, logged at 12:00 (within three hours of 13:00).
    record(ion, case, at(12, 0), hearing=morning)
    assert open_hearings(ion) == [(team["code"], at(13, 0))]
    record(ion, case, at(13, 30), hearing=afternoon)
    assert open_hearings(ion) == []


def test_a_legacy_record_four_hours_before_leaves_it_open_two_hours_before_closes_it(team):
    ion, case = team["ion"], team["case"]
    schedule(ion, case, at(8, 0, DAY - timedelta(days=1)), at(15, 0))
    record(ion, case, at(11, 0))  # four hours before: a visit to the police, not the court
    assert open_hearings(ion) == [(team["code"], at(15, 0))]
    record(ion, case, at(13, 0))  # two hours before: the record of it
    assert open_hearings(ion) == []


def test_a_hearing_moved_twice_keeps_only_the_last_date(team):
    ion, case = team["ion"], team["case"]
    first = schedule(ion, case, at(9, 0, DAY - timedelta(days=1)), at(10, 0, DAY + timedelta(1)))
    moved = update(ion, case, first, "moved", at(10, 0, DAY + timedelta(days=3)))
    assert moved["status"] == "stored", moved
    assert open_hearings(ion) == [(team["code"], at(10, 0, DAY + timedelta(days=3)))]
    again = update(ion, case, moved["id"], "moved", at(14, 0, DAY + timedelta(days=5)))
    assert again["status"] == "stored", again
    assert open_hearings(ion) == [(team["code"], at(14, 0, DAY + timedelta(days=5)))]
    # Its record names the last update, which scheduled it.
    record(ion, case, at(14, 0, DAY + timedelta(days=5)), hearing=again["id"])
    assert open_hearings(ion) == []


def test_a_cancelled_hearing_then_a_new_one(team):
    ion, case = team["ion"], team["case"]
    first = schedule(ion, case, at(9, 0), at(10, 0, DAY + timedelta(days=1)))
    cancelled = update(ion, case, first, "cancelled")
    assert cancelled["status"] == "stored", cancelled
    assert open_hearings(ion) == []
    schedule(ion, case, at(10, 0), at(11, 0, DAY + timedelta(days=4)))
    assert open_hearings(ion) == [(team["code"], at(11, 0, DAY + timedelta(days=4)))]


def test_a_hearing_update_must_be_consistent(team):
    ion, case = team["ion"], team["case"]
    first = schedule(ion, case, at(9, 0), at(15, 0))
    moved_nowhere = update(ion, case, first, "moved")
    assert moved_nowhere["status"] == "rejected"
    assert "next_hearing_at" in moved_nowhere["error"]["message"]
    cancelled_to = update(ion, case, first, "cancelled", at(16, 0))
    assert cancelled_to["status"] == "rejected"
    a_visit = stored(ion, plaintext("visit", case))
    names_a_visit = update(ion, case, a_visit, "cancelled")
    assert names_a_visit["error"]["code"] == "unknown_hearing"
    assert open_hearings(ion) == [(team["code"], at(15, 0))]


def test_a_returned_scheduling_entry_keeps_its_hearing_open(team):
    ion, case = team["ion"], team["case"]
    scheduling = schedule(ion, case, at(9, 0), at(15, 0))
    run(decide(current_user(team["elena"]), scheduling, "returned", "Say which court."))
    found = kinds(ion, NOW)
    assert [(d.kind, d.due_at) for d in found if d.kind == "hearing"] == [("hearing", at(15, 0))]
    assert "correction_due" in [d.kind for d in found]


def test_a_corrected_date_replaces_the_old_one(team):
    ion, case = team["ion"], team["case"]
    first = schedule(ion, case, at(9, 0), at(15, 0, DAY + timedelta(days=1)))
    run(decide(current_user(team["elena"]), first, "returned", "The date is wrong."))
    schedule(ion, case, at(9, 0), at(15, 0, DAY + timedelta(days=2)), revises=first)
    assert open_hearings(ion) == [(team["code"], at(15, 0, DAY + timedelta(days=2)))]


def test_the_capture_form_offers_the_open_hearings_of_the_cases(team, client):
    from tests.support.accounts import log_in

    ion, case = team["ion"], team["case"]
    first = schedule(ion, case, at(9, 0), datetime.now(CHISINAU) + timedelta(days=2))
    closed = schedule(ion, case, at(9, 0), datetime.now(CHISINAU) + timedelta(days=3))
    record(ion, case, datetime.now(CHISINAU), hearing=closed)
    log_in(client, "ion")
    for form in ("accompaniment", "hearing_update"):
        page = client.get(f"/capture/{form}", headers={"alongside-offline-copy": "1"})
        assert page.status_code == 200
        assert first in page.text and team["code"] in page.text
        assert closed not in page.text


# --- follow_up ------------------------------------------------------------------------------


def follow_ups(user_id: int, now: datetime = NOW) -> list[date]:
    return [d.due_on for d in kinds(user_id, now) if d.kind == "follow_up"]


def test_follow_up_closed_by_its_own_referrals_outcome_only(team):
    ion, case = team["ion"], team["case"]
    due = DAY + timedelta(days=2)
    referral = stored(ion, plaintext("referral", case, follow_up_on=due.isoformat()))
    # Another referral of the case, to another service, with its outcome known: unrelated.
    # (Logged on the follow-up day itself: the old rule took that for the follow-up.)
    stored(
        ion,
        plaintext(
            "referral",
            case,
            service_type="medical",
            status="received",
            occurred_at=at(9, 0, due).isoformat(),
        ),
    )
    assert follow_ups(ion, at(10, 0, due)) == [due]
    # Accepted is not received: still followed up (the correction keeps the date).
    accepted = stored(
        ion,
        plaintext(
            "referral", case, follow_up_on=due.isoformat(), status="accepted", revises=referral
        ),
    )
    assert follow_ups(ion) == [due]
    stored(
        ion,
        plaintext(
            "referral", case, follow_up_on=due.isoformat(), status="declined", revises=accepted
        ),
    )
    assert follow_ups(ion) == []


def test_a_returned_referral_is_still_followed_up(team):
    ion, case = team["ion"], team["case"]
    due = DAY + timedelta(days=2)
    referral = stored(ion, plaintext("referral", case, follow_up_on=due.isoformat()))
    run(decide(current_user(team["elena"]), referral, "returned", "Name the provider's office."))
    assert follow_ups(ion) == [due]


# --- report_due -----------------------------------------------------------------------------


def report_days(user_id: int, now: datetime) -> list[date]:
    return [d.due_on for d in kinds(user_id, now) if d.kind == "report_due"]


def hand_in(user_id: int, month: str) -> reports.Report:
    viewer = current_user(user_id)
    report = run(reports.load_report(viewer, viewer.username, month))
    run(reports.save_narrative(viewer, report, "The month's work."))
    report = run(reports.load_report(viewer, viewer.username, month))
    run(reports.submit(viewer, report, DAY))
    return run(reports.load_report(viewer, viewer.username, month))


def test_report_due_exactly_today_then_overdue_then_handed_in(team):
    ion = team["ion"]
    viewer = current_user(ion)
    run(set_report_due(viewer.team_id, "2026-02", DAY))
    today = datetime.combine(DAY, time(20, 0), CHISINAU)
    assert report_days(ion, today) == [DAY]
    # The day after, it is overdue: still there, not gone.
    tomorrow = today + timedelta(days=1)
    assert report_days(ion, tomorrow) == [DAY]
    assert [
        d.overdue(tomorrow, CHISINAU) for d in kinds(ion, tomorrow) if d.kind == "report_due"
    ] == [True]
    hand_in(ion, "2026-02")
    assert report_days(ion, tomorrow) == []


def test_a_returned_report_is_due_again(team):
    ion = team["ion"]
    run(set_report_due(current_user(ion).team_id, "2026-02", DAY + timedelta(days=2)))
    report = hand_in(ion, "2026-02")
    assert report_days(ion, NOW) == []
    run(reports.decide(current_user(team["elena"]), report, "returned", "Add the trainings."))
    assert report_days(ion, NOW) == [DAY + timedelta(days=2)]


# --- correction_due -------------------------------------------------------------------------


def corrections_due(user_id: int) -> list[str]:
    return [d.url for d in kinds(user_id, datetime.now(CHISINAU)) if d.kind == "correction_due"]


def test_a_correction_that_is_returned_in_turn_is_due_again(team):
    ion, case, elena = team["ion"], team["case"], current_user(team["elena"])
    visit = stored(ion, plaintext("visit", case))
    run(decide(elena, visit, "returned", "The purpose is missing."))
    assert corrections_due(ion) == [f"/entries/{visit}"]
    correction = stored(ion, plaintext("visit", case, revises=visit))
    assert corrections_due(ion) == []
    run(decide(elena, correction, "returned", "Still missing."))
    assert corrections_due(ion) == [f"/entries/{correction}"]
    stored(ion, plaintext("visit", case, revises=correction))
    assert corrections_due(ion) == []


# --- reassessment ---------------------------------------------------------------------------


def test_a_returned_assessment_leaves_the_previous_one_standing():
    besa = make_user("besa", "shelter", "Shelter Pristina", "XK", ("Prishtinë",))
    mira = make_user("mira", "supervisor", "Shelter Pristina", "XK", ("Prishtinë",))
    case, _code = open_case(besa, region="Prishtinë", citizenship="XK")
    belgrade = ZoneInfo("Europe/Belgrade")
    first_at = datetime(2026, 6, 1, 10, 0, tzinfo=belgrade)
    stored(besa, plaintext("risk_assessment", case, occurred_at=first_at.isoformat()))
    set_on = run(Entry.select(Entry.due_on).where(Entry.type == "risk_assessment").first())
    now = datetime.combine(set_on["due_on"] - timedelta(days=5), time(9, 0), belgrade)

    def due() -> list[date]:
        return [d.due_on for d in kinds(besa, now) if d.kind == "reassessment"]

    first_due = due()
    assert first_due == [set_on["due_on"]]
    second = stored(
        besa,
        plaintext(
            "risk_assessment", case, occurred_at=(first_at + timedelta(hours=20)).isoformat()
        ),
    )
    assert due() == [first_due[0] + timedelta(days=1)]  # a new assessment moves the date
    run(decide(current_user(mira), second, "returned", "Answer the legal question again."))
    assert due() == first_due  # the returned one is back with its author: the first stands
    stored(
        besa,
        plaintext(
            "risk_assessment",
            case,
            occurred_at=(first_at + timedelta(hours=20)).isoformat(),
            revises=second,
        ),
    )
    assert due() == [first_due[0] + timedelta(days=1)]
