"""The scheduler with a controlled clock: each kind of reminder fires once, at the right local
time (Europe/Chisinau, Europe/Belgrade), never twice, never in quiet hours, never for a closed
deadline; when several reminders of a deadline are overdue only the latest goes out."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.accounts.tables import User
from server.approvals.services import decide
from server.deadlines.scheduler import run_scheduler_once
from server.deadlines.services import (
    Preferences,
    save_preferences,
    seed_moldova_schedule,
    set_report_due,
)
from server.deadlines.tables import Reminder
from server.entries.tables import Entry
from server.notifications.tables import Notification
from tests.support.accounts import make_user
from tests.support.approvals import current_user
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run

CHISINAU = ZoneInfo("Europe/Chisinau")
BELGRADE = ZoneInfo("Europe/Belgrade")


def local(zone: ZoneInfo, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), zone)


def tick(at: datetime, user_id: int | None = None) -> list[str]:
    """One scheduler run at that moment; the leads of the reminders it sent (to that user)."""
    summary = run(run_scheduler_once(at.astimezone(UTC)))
    assert summary.elected
    keys = [key.split("|") for key in summary.reminders]
    return [lead for _key, lead, user in keys if user_id is None or int(user) == user_id]


def notifications(user_id: int) -> list[dict]:
    rows = run(
        Notification.select(Notification.kind, Notification.url, Notification.params)
        .where(Notification.user == user_id)
        .order_by(Notification.id)
    )
    for row in rows:
        if isinstance(row["params"], str):
            row["params"] = json.loads(row["params"])
    return rows


def log_hearing(user_id: int, case_id: str, at: datetime, **fields) -> str:
    result = submit(
        user_id, plaintext("accompaniment", case_id, next_hearing_at=at.isoformat(), **fields)
    )
    assert result["status"] == "stored", result
    return result["id"]


# A Tuesday in the middle of a month: no monthly report falls due near it.
DAY = date(2026, 3, 10)


@pytest.fixture
def ion() -> tuple[int, str, str]:
    """A coordinator in Moldova and one case of theirs: (user id, case id, case code)."""
    user_id = make_user("ion", "coordinator", "VPC North", "MD")
    case_id, code = open_case(user_id)
    return user_id, case_id, code


def test_hearing_reminders_the_evening_before_and_two_hours_before_in_chisinau(ion):
    user_id, case_id, code = ion
    hearing = local(CHISINAU, DAY + timedelta(days=1), 9, 30)
    log_hearing(user_id, case_id, hearing)

    assert tick(local(CHISINAU, DAY, 17, 59)) == []
    assert tick(local(CHISINAU, DAY, 18, 0)) == ["hearing_evening"]
    assert tick(local(CHISINAU, DAY, 18, 1)) == []
    assert tick(local(CHISINAU, DAY, 23, 0)) == []
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 7, 29)) == []
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 7, 30)) == ["hearing_two_hours"]
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 7, 31)) == []
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 9, 29)) == []
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 12, 0)) == []

    sent = notifications(user_id)
    assert [row["kind"] for row in sent] == ["hearing", "hearing"]
    assert {row["url"] for row in sent} == {f"/cases/{code}"}
    # The time as the coordinator lives it: 09:30 in Chisinau.
    assert sent[0]["params"]["at"].startswith("2026-03-11T09:30:00+02:00")
    assert run(Reminder.count()) == 2


def test_hearing_reminders_in_belgrade_for_a_kosovo_team():
    besa = make_user("besa", "shelter", "Shelter Pristina", "XK", ("Prishtinë",))
    case_id, _code = open_case(besa, region="Prishtinë", citizenship="XK")
    # Summer time: Belgrade is UTC+2 and Chisinau UTC+3, so a wrong zone shows at once.
    day = date(2026, 6, 16)
    log_hearing(besa, case_id, local(BELGRADE, day + timedelta(days=1), 10, 0))

    assert tick(local(BELGRADE, day, 17, 59)) == []
    assert tick(local(CHISINAU, day, 18, 30)) == []  # 17:30 in Belgrade
    assert tick(local(BELGRADE, day, 18, 0)) == ["hearing_evening"]
    assert tick(local(BELGRADE, day + timedelta(days=1), 7, 59)) == []
    assert tick(local(BELGRADE, day + timedelta(days=1), 8, 0)) == ["hearing_two_hours"]
    assert len(notifications(besa)) == 2


def test_a_users_own_time_zone_wins_over_the_countrys(ion):
    user_id, case_id, _code = ion
    run(User.update({User.time_zone: "Europe/Belgrade"}).where(User.id == user_id))
    log_hearing(user_id, case_id, local(BELGRADE, DAY + timedelta(days=1), 9, 0))
    assert tick(local(CHISINAU, DAY, 18, 0)) == []  # 17:00 in Belgrade
    assert tick(local(BELGRADE, DAY, 18, 0)) == ["hearing_evening"]


def test_a_hearing_logged_ninety_minutes_before_gets_one_reminder_at_once(ion):
    user_id, case_id, _code = ion
    now = local(CHISINAU, DAY, 14, 0)
    log_hearing(user_id, case_id, now + timedelta(minutes=90))
    # Both the evening before and two hours before have passed: only the latest is sent.
    assert tick(now) == ["hearing_two_hours"]
    assert tick(now + timedelta(minutes=1)) == []
    assert tick(now + timedelta(minutes=89)) == []
    assert len(notifications(user_id)) == 1


def test_after_the_server_was_down_only_the_latest_overdue_reminder_goes_out(ion):
    user_id, case_id, _code = ion
    log_hearing(user_id, case_id, local(CHISINAU, DAY + timedelta(days=1), 11, 0))
    # Nothing ran from the day before until 09:15 on the hearing's day.
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 9, 15)) == ["hearing_two_hours"]
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 9, 16)) == []
    # After the hearing nothing more is sent for it.
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 11, 1)) == []
    assert len(notifications(user_id)) == 1


def test_a_passed_deadline_gets_no_late_reminder(ion):
    user_id, case_id, _code = ion
    log_hearing(user_id, case_id, local(CHISINAU, DAY, 9, 0))
    assert tick(local(CHISINAU, DAY, 9, 1)) == []
    assert notifications(user_id) == []


def test_no_reminder_in_quiet_hours_then_it_comes_when_they_end(ion):
    user_id, case_id, _code = ion
    run(save_preferences(user_id, Preferences(frozenset(), time(22, 0), time(8, 0))))
    log_hearing(user_id, case_id, local(CHISINAU, DAY + timedelta(days=1), 9, 0))
    assert tick(local(CHISINAU, DAY, 18, 0)) == ["hearing_evening"]
    # Two hours before is 07:00, inside the quiet hours (22:00 to 08:00).
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 7, 0)) == []
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 7, 59)) == []
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 8, 0)) == ["hearing_two_hours"]
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 8, 1)) == []
    assert len(notifications(user_id)) == 2


def test_quiet_hours_within_one_day_and_a_lead_switched_off(ion):
    user_id, case_id, _code = ion
    run(
        save_preferences(
            user_id, Preferences(frozenset({"hearing_two_hours"}), time(17, 0), time(19, 30))
        )
    )
    log_hearing(user_id, case_id, local(CHISINAU, DAY + timedelta(days=1), 9, 0))
    assert tick(local(CHISINAU, DAY, 18, 0)) == []
    assert tick(local(CHISINAU, DAY, 19, 30)) == ["hearing_evening"]
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 7, 0)) == []  # switched off
    assert len(notifications(user_id)) == 1


def test_a_hearing_with_its_accompaniment_logged_is_closed(ion):
    user_id, case_id, _code = ion
    hearing = local(CHISINAU, DAY + timedelta(days=1), 9, 0)
    log_hearing(user_id, case_id, hearing)
    # The coordinator logs the accompaniment of that hearing (its occurred_at is the hearing).
    done = submit(user_id, plaintext("accompaniment", case_id, occurred_at=hearing.isoformat()))
    assert done["status"] == "stored"
    assert tick(local(CHISINAU, DAY, 18, 0)) == []
    assert tick(local(CHISINAU, DAY + timedelta(days=1), 7, 0)) == []
    assert notifications(user_id) == []


def test_a_corrected_hearing_date_replaces_the_old_one(ion):
    user_id, case_id, _code = ion
    first = log_hearing(user_id, case_id, local(CHISINAU, DAY + timedelta(days=1), 9, 0))
    moved = local(CHISINAU, DAY + timedelta(days=3), 9, 0)
    corrected = submit(
        user_id,
        plaintext("accompaniment", case_id, next_hearing_at=moved.isoformat(), revises=first),
    )
    assert corrected["status"] == "stored", corrected
    assert tick(local(CHISINAU, DAY, 18, 0)) == []
    assert tick(local(CHISINAU, DAY + timedelta(days=2), 18, 0)) == ["hearing_evening"]


def test_hearing_reminders_go_to_the_case_coordinator_only(ion):
    user_id, case_id, _code = ion
    make_user("elena", "supervisor", "VPC North", "MD")
    make_user("maria", "coordinator", "VPC North", "MD")
    log_hearing(user_id, case_id, local(CHISINAU, DAY + timedelta(days=1), 9, 0))
    tick(local(CHISINAU, DAY, 18, 0))
    rows = run(Notification.select(Notification.user).where(Notification.kind == "hearing"))
    assert [row["user"] for row in rows] == [user_id]


def test_follow_up_reminder_the_morning_of_the_day_and_closed_when_received(ion):
    user_id, case_id, _code = ion
    day = DAY + timedelta(days=2)
    result = submit(user_id, plaintext("referral", case_id, follow_up_on=day.isoformat()))
    assert result["status"] == "stored", result
    assert tick(local(CHISINAU, day - timedelta(days=1), 8, 0)) == []
    assert tick(local(CHISINAU, day, 7, 59)) == []
    assert tick(local(CHISINAU, day, 8, 0)) == ["morning"]
    assert tick(local(CHISINAU, day, 12, 0)) == []
    # The day after, nothing more (the follow-up is overdue; the Upcoming page shows it).
    assert tick(local(CHISINAU, day + timedelta(days=1), 8, 0)) == []
    assert [row["kind"] for row in notifications(user_id)] == ["follow_up"]

    # A referral whose service was received needs no follow-up.
    other = DAY + timedelta(days=4)
    submit(
        user_id,
        plaintext("referral", case_id, follow_up_on=other.isoformat(), status="received"),
    )
    assert tick(local(CHISINAU, other, 8, 0)) == []


def test_follow_up_not_closed_by_another_referral_of_the_case(ion):
    """A referral of the same case to another service has nothing to do with this one."""
    user_id, case_id, _code = ion
    day = DAY + timedelta(days=2)
    submit(user_id, plaintext("referral", case_id, follow_up_on=day.isoformat()))
    submit(
        user_id,
        plaintext(
            "referral",
            case_id,
            service_type="medical",
            status="received",
            occurred_at=f"{day.isoformat()}T07:30:00+02:00",
        ),
    )
    assert tick(local(CHISINAU, day, 8, 0)) == ["morning"]


def test_reassessment_reminder_for_the_assessor_in_belgrade():
    besa = make_user("besa", "shelter", "Shelter Pristina", "XK", ("Prishtinë",))
    make_user("dragan", "shelter", "Shelter Pristina", "XK", ("Prishtinë",))
    case_id, _code = open_case(besa, region="Prishtinë", citizenship="XK")
    assessed = submit(
        besa, plaintext("risk_assessment", case_id, occurred_at="2026-06-01T10:00:00+02:00")
    )
    assert assessed["status"] == "stored", assessed
    due = run(Entry.select(Entry.due_on).where(Entry.type == "risk_assessment").first())["due_on"]
    assert tick(local(BELGRADE, due, 7, 59)) == []
    assert tick(local(BELGRADE, due, 8, 0)) == ["morning"]
    assert tick(local(BELGRADE, due, 9, 0)) == []
    rows = run(Notification.select(Notification.user, Notification.kind))
    assert rows == [{"user": besa, "kind": "reassessment"}]


def test_monthly_report_reminders_three_days_and_one_day_before_from_the_schedule():
    ion = make_user("ion", "coordinator", "VPC Moldova North-Centre", "MD")
    run(seed_moldova_schedule("VPC Moldova North-Centre"))
    # January 2026's report is due on 31 January (the contract's schedule), not 1 February.
    assert tick(local(CHISINAU, date(2026, 1, 27), 8, 0)) == []
    assert tick(local(CHISINAU, date(2026, 1, 28), 7, 59)) == []
    assert tick(local(CHISINAU, date(2026, 1, 28), 8, 0)) == ["report_three_days"]
    assert tick(local(CHISINAU, date(2026, 1, 29), 12, 0)) == []
    assert tick(local(CHISINAU, date(2026, 1, 30), 8, 0)) == ["report_one_day"]
    assert tick(local(CHISINAU, date(2026, 1, 30), 9, 0)) == []
    # February 2026 has no date set: due on 1 March.
    assert tick(local(CHISINAU, date(2026, 2, 26), 8, 0)) == ["report_three_days"]
    assert [row["kind"] for row in notifications(ion)] == ["report_due"] * 3


def test_a_changed_report_due_date_is_a_new_deadline():
    ion = make_user("ion", "coordinator", "VPC North", "MD")
    team = run(User.select(User.team).where(User.id == ion).first())["team"]
    run(set_report_due(team, "2026-03", date(2026, 4, 10)))
    assert tick(local(CHISINAU, date(2026, 3, 29), 8, 0)) == []
    assert tick(local(CHISINAU, date(2026, 4, 7), 8, 0)) == ["report_three_days"]


def test_entries_waiting_too_long_remind_the_supervisor_once():
    ion = make_user("ion", "coordinator", "VPC North", "MD")
    elena = make_user("elena", "supervisor", "VPC North", "MD")
    case_id, _code = open_case(ion)
    submit(ion, plaintext("visit", case_id))
    now = datetime.now(UTC)
    # (The coordinator may get a monthly report reminder meanwhile: only elena's count here.)
    assert tick(now + timedelta(days=2), elena) == []
    late = now + timedelta(days=3, hours=1)
    zone_morning = local(CHISINAU, late.astimezone(CHISINAU).date(), 8, 0)
    later = max(late, zone_morning) + timedelta(minutes=1)
    assert tick(later, elena) == ["morning"]
    assert tick(later + timedelta(hours=1), elena) == []
    # Late work is reminded even after its day — but once.
    assert tick(later + timedelta(days=2), elena) == []
    sent = [row for row in notifications(elena) if row["kind"] != "entries_waiting"]
    assert [row["kind"] for row in sent] == ["approvals_overdue"]
    assert sent[0]["params"]["count"] == 2  # the intake and the visit
    assert sent[0]["url"] == "/approvals"


def test_a_returned_entry_reminds_its_author_until_corrected():
    ion = make_user("ion", "coordinator", "VPC North", "MD")
    elena = make_user("elena", "supervisor", "VPC North", "MD")
    case_id, _code = open_case(ion)
    visit = submit(ion, plaintext("visit", case_id))["id"]
    run(decide(current_user(elena), visit, "returned", "The purpose is missing."))
    run(Notification.delete(force=True))
    now = datetime.now(UTC)
    due = (now + timedelta(days=2)).astimezone(CHISINAU).date()
    assert tick(local(CHISINAU, due, 7, 0), ion) == []
    assert tick(local(CHISINAU, due, 8, 0), ion) == ["morning"]
    sent = [row for row in notifications(ion) if row["kind"] != "report_due"]
    assert [row["kind"] for row in sent] == ["correction_due"]
    assert sent[0]["url"] == f"/entries/{visit}"


def test_a_corrected_entry_is_no_longer_due():
    ion = make_user("ion", "coordinator", "VPC North", "MD")
    elena = make_user("elena", "supervisor", "VPC North", "MD")
    case_id, _code = open_case(ion)
    visit = submit(ion, plaintext("visit", case_id))["id"]
    run(decide(current_user(elena), visit, "returned", "The purpose is missing."))
    submit(ion, plaintext("visit", case_id, revises=visit))
    due = (datetime.now(UTC) + timedelta(days=2)).astimezone(CHISINAU).date()
    assert "morning" not in tick(local(CHISINAU, due, 8, 0), ion)


def test_reminders_survive_a_restart(ion):
    """The keys are in the database: a fresh process (nothing in memory) sends nothing again."""
    user_id, case_id, _code = ion
    log_hearing(user_id, case_id, local(CHISINAU, DAY + timedelta(days=1), 9, 30))
    assert tick(local(CHISINAU, DAY, 18, 0)) == ["hearing_evening"]
    import importlib

    import server.deadlines.scheduler as scheduler

    reloaded = importlib.reload(scheduler)
    summary = run(reloaded.run_scheduler_once(local(CHISINAU, DAY, 18, 5).astimezone(UTC)))
    assert summary.reminders == []


def test_safety_plan_actions_remind_the_assessor_until_a_new_assessment():
    besa = make_user("besa", "shelter", "Shelter Pristina", "XK", ("Prishtinë",))
    case_id, _code = open_case(besa, region="Prishtinë", citizenship="XK")
    plan = [
        {"action": "Ana calls her sister every evening", "owner": "Ana", "due_on": "2026-06-05"},
        {"action": "New phone number", "owner": None, "due_on": None},
    ]
    first = submit(
        besa,
        plaintext(
            "risk_assessment", case_id, occurred_at="2026-06-01T10:00:00+02:00", safety_plan=plan
        ),
    )
    assert first["status"] == "stored", first
    day = date(2026, 6, 5)
    assert tick(local(BELGRADE, day, 7, 59), besa) == []
    assert tick(local(BELGRADE, day, 8, 0), besa) == ["morning"]
    assert tick(local(BELGRADE, day, 8, 30), besa) == []
    sent = [row for row in notifications(besa) if row["kind"] == "safety_plan"]
    assert len(sent) == 1 and sent[0]["params"]["on"] == "2026-06-05"
    assert "Ana" not in json.dumps(sent)

    # A new assessment brings a new plan: the old plan's later action is not reminded.
    plan[0]["due_on"] = "2026-06-20"
    again = submit(
        besa,
        plaintext(
            "risk_assessment", case_id, occurred_at="2026-06-01T11:00:00+02:00", safety_plan=plan
        ),
    )
    assert again["status"] == "stored", again
    newer = submit(
        besa, plaintext("risk_assessment", case_id, occurred_at="2026-06-10T10:00:00+02:00")
    )
    assert newer["status"] == "stored", newer
    assert "morning" not in tick(local(BELGRADE, date(2026, 6, 20), 8, 0), besa)


def test_old_reminders_are_pruned_and_recent_ones_kept(ion):
    user_id, case_id, _code = ion
    log_hearing(user_id, case_id, local(CHISINAU, DAY + timedelta(days=1), 9, 30))
    assert tick(local(CHISINAU, DAY, 18, 0)) == ["hearing_evening"]
    assert run(Reminder.count()) == 1
    tick(local(CHISINAU, DAY + timedelta(days=100), 12, 0))
    assert run(Reminder.count()) == 1
    tick(local(CHISINAU, DAY + timedelta(days=121), 12, 0))
    assert run(Reminder.count()) == 0


def test_one_users_bad_time_zone_does_not_hold_back_the_others(ion):
    user_id, case_id, _code = ion
    maria = make_user("maria", "coordinator", "VPC North", "MD")
    maria_case, _ = open_case(maria)
    run(User.update({User.time_zone: "Mars/Olympus_Mons"}).where(User.id == user_id))
    log_hearing(user_id, case_id, local(CHISINAU, DAY + timedelta(days=1), 9, 30))
    log_hearing(maria, maria_case, local(CHISINAU, DAY + timedelta(days=1), 9, 30))
    assert tick(local(CHISINAU, DAY, 18, 0)) == ["hearing_evening"]
    assert [row["kind"] for row in notifications(maria)] == ["hearing"]
    assert notifications(user_id) == []
