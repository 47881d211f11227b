"""The Upcoming page (and its offline copy), the home page's deadlines, the reminder settings
page and the admin's monthly report schedule."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.accounts.tables import Team
from server.deadlines.services import preferences
from server.deadlines.tables import ReportDueDate
from server.demo.load import load_demo
from tests.support.accounts import log_in, make_user, password_hash
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run

OFFLINE_COPY = {"alongside-offline-copy": "1"}
CHISINAU = ZoneInfo("Europe/Chisinau")
NAME = "Ana Popescu"


@pytest.fixture
def ion_with_deadlines() -> tuple[int, str]:
    """ion: a hearing tomorrow, a follow-up in ten days, a hearing three days ago with no
    accompaniment logged (overdue); the notes name the person."""
    ion = make_user("ion", "coordinator", "VPC North", "MD")
    case_id, code = open_case(ion, notes=NAME)
    now = datetime.now(CHISINAU)
    tomorrow = datetime.combine(now.date() + timedelta(days=1), time(9, 30), CHISINAU)
    for when in (tomorrow, now - timedelta(days=3)):
        result = submit(
            ion,
            plaintext(
                "accompaniment", case_id, next_hearing_at=when.isoformat(), notes=f"{NAME} said"
            ),
        )
        assert result["status"] == "stored"
    follow_up = (now + timedelta(days=10)).date()
    submit(ion, plaintext("referral", case_id, follow_up_on=follow_up.isoformat(), notes=NAME))
    return ion, code


def section(page: str, group: str) -> str:
    start = page.index(f'id="deadlines-{group}"')
    return page[start : page.index("</section>", start)]


def test_upcoming_groups_overdue_this_week_and_the_next_two_weeks(client, ion_with_deadlines):
    _ion, code = ion_with_deadlines
    log_in(client, "ion")
    page = client.get("/upcoming")
    assert page.status_code == 200
    text = page.text
    assert "Next hearing" in section(text, "overdue")
    assert code in section(text, "overdue")
    assert "Next hearing" in section(text, "this_week")
    assert "Referral follow-up" in section(text, "next_two_weeks")
    assert NAME not in text


def test_the_offline_copy_of_upcoming_holds_dates_kinds_and_codes_only(client, ion_with_deadlines):
    _ion, code = ion_with_deadlines
    log_in(client, "ion")
    page = client.get("/upcoming", headers=OFFLINE_COPY)
    assert page.headers["alongside-offline-copy"] == "1"
    main = page.text[page.text.index('<main id="main"') : page.text.index("</main>")]
    assert NAME not in page.text
    assert not re.search(r"\bion\b", main)
    assert main.count(f'href="/cases/{code}"') == 3
    assert 'href="/settings/notifications"' not in main
    assert "/upcoming" in client.get("/api/v1/offline-pages").json()["pages"]


def test_home_shows_what_is_due_next_not_what_is_overdue(client, ion_with_deadlines):
    _ion, code = ion_with_deadlines
    log_in(client, "ion")
    home = client.get("/", headers=OFFLINE_COPY).text
    upcoming = home[home.index('id="upcoming"') :]
    upcoming = upcoming[: upcoming.index("</section>")]
    assert upcoming.count(f'href="/cases/{code}"') == 2
    assert upcoming.index("Next hearing") < upcoming.index("Referral follow-up")
    assert NAME not in home


def test_nobody_sees_anothers_deadlines(client, ion_with_deadlines):
    make_user("maria", "coordinator", "VPC North", "MD")
    log_in(client, "maria")
    page = client.get("/upcoming").text
    _ion, code = ion_with_deadlines
    assert code not in page
    assert "Next hearing" not in page and "Referral follow-up" not in page


def test_a_supervisor_sees_entries_waiting_too_long():
    from server.deadlines.services import deadlines_for
    from tests.support.approvals import current_user

    ion = make_user("ion", "coordinator", "VPC North", "MD")
    elena = make_user("elena", "supervisor", "VPC North", "MD")
    open_case(ion)
    later = datetime.now(UTC) + timedelta(days=4)
    found = run(deadlines_for(current_user(elena), later))
    assert [(d.kind, d.count, d.url) for d in found] == [("approvals_overdue", 1, "/approvals")]
    assert run(deadlines_for(current_user(elena), datetime.now(UTC))) == []


def test_reminder_settings_are_saved(client):
    ion = make_user("ion")
    csrf = log_in(client, "ion")
    page = client.get("/settings/notifications")
    assert page.status_code == 200
    assert 'id="push-device"' in page.text
    # Quiet hours are off until set, every lead is on.
    assert run(preferences(ion)).quiet_from is None
    response = client.post(
        "/settings/notifications",
        data={
            "_csrf_token": csrf,
            "lead_hearing_evening": "on",
            "lead_morning": "on",
            "quiet_from": "22:00",
            "quiet_until": "07:00",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    saved = run(preferences(ion))
    assert saved.quiet_from == time(22, 0) and saved.quiet_until == time(7, 0)
    assert saved.leads_off == {"hearing_two_hours", "report_three_days", "report_one_day"}
    page = client.get("/settings/notifications?saved=1").text
    assert 'value="22:00"' in page
    assert "Your reminder settings are saved." in page


@pytest.mark.parametrize(
    ("quiet_from", "quiet_until", "message"),
    [
        ("25:00", "07:00", "Write a time as HH:MM"),
        ("22:00", "", "Quiet hours need both a start and an end"),
        ("", "7", "Write a time as HH:MM"),
    ],
)
def test_bad_quiet_hours_are_refused_and_nothing_saved_is_lost(
    client, quiet_from, quiet_until, message
):
    ion = make_user("ion")
    csrf = log_in(client, "ion")
    client.post(
        "/settings/notifications",
        data={"_csrf_token": csrf, "quiet_from": "21:00", "quiet_until": "06:00"},
    )
    response = client.post(
        "/settings/notifications",
        data={"_csrf_token": csrf, "quiet_from": quiet_from, "quiet_until": quiet_until},
    )
    assert response.status_code == 422
    assert message in response.text
    assert f'value="{quiet_from}"' in response.text
    kept = run(preferences(ion))
    assert (kept.quiet_from, kept.quiet_until) == (time(21, 0), time(6, 0))


def test_the_settings_pages_need_a_session(client):
    response = client.get("/settings/notifications", follow_redirects=False)
    assert response.status_code in (302, 303, 401)
    assert client.get("/upcoming", follow_redirects=False).status_code in (302, 303, 401)


def test_the_moldova_demo_team_gets_the_contracts_report_dates():
    run(load_demo(password_hash()))
    run(load_demo(password_hash()))  # loading the demo twice changes nothing
    rows = run(ReportDueDate.select(ReportDueDate.period, ReportDueDate.due_on))
    assert sorted(row["due_on"] for row in rows) == [
        date(2025, 7, 1),
        date(2025, 8, 1),
        date(2025, 9, 1),
        date(2025, 10, 1),
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 1, 31),
    ]


def test_an_admin_edits_the_report_schedule(client):
    make_user("ada", "admin", "VPC North")
    team = run(Team.select(Team.id).where(Team.name == "VPC North").first())["id"]
    csrf = log_in(client, "ada")
    assert client.get("/report-schedule").status_code == 200
    response = client.post(
        "/report-schedule",
        data={"_csrf_token": csrf, "team": str(team), "period": "2026-02", "due_on": "2026-03-05"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(f"/report-schedule?team={team}").text
    assert "2026-02" in page
    rows = run(ReportDueDate.select(ReportDueDate.period, ReportDueDate.due_on))
    assert rows == [{"period": "2026-02", "due_on": date(2026, 3, 5)}]
    # Back to the default (the 1st of the following month).
    client.post(
        "/report-schedule",
        data={"_csrf_token": csrf, "team": str(team), "period": "2026-02", "due_on": ""},
    )
    assert run(ReportDueDate.count()) == 0


@pytest.mark.parametrize(
    ("period", "due_on", "message"),
    [
        ("2026-13", "2026-03-05", "Choose the month the report covers."),
        ("", "2026-03-05", "Choose the month the report covers."),
        ("2026-02", "5 March", "Write the due date as a date"),
        ("2026-02", "2026-01-31", "A report cannot be due before the month it covers begins."),
    ],
)
def test_a_bad_report_date_is_refused(client, period, due_on, message):
    make_user("ada", "admin", "VPC North")
    team = run(Team.select(Team.id).first())["id"]
    csrf = log_in(client, "ada")
    response = client.post(
        "/report-schedule",
        data={"_csrf_token": csrf, "team": str(team), "period": period, "due_on": due_on},
    )
    assert response.status_code == 422
    assert message in response.text
    assert run(ReportDueDate.count()) == 0


def test_only_admins_edit_the_report_schedule(client):
    make_user("elena", "supervisor", "VPC North")
    team = run(Team.select(Team.id).first())["id"]
    csrf = log_in(client, "elena")
    assert client.get("/report-schedule").status_code == 403
    response = client.post(
        "/report-schedule",
        data={"_csrf_token": csrf, "team": str(team), "period": "2026-02", "due_on": "2026-03-05"},
    )
    assert response.status_code == 403
    assert run(ReportDueDate.count()) == 0


def test_an_unknown_team_is_a_404(client):
    make_user("ada", "admin", "VPC North")
    csrf = log_in(client, "ada")
    response = client.post(
        "/report-schedule",
        data={"_csrf_token": csrf, "team": "99999", "period": "2026-02", "due_on": "2026-03-05"},
    )
    assert response.status_code == 404
