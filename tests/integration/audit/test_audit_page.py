"""The audit log page: who sees which team's events, filters by user and period, readable
action names, bad dates answered with 400, and never any content."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from server.accounts.services import create_user
from server.accounts.tables import Team, User
from server.audit.services import ACTIONS, action_label
from server.audit.tables import AuditEvent
from server.core.i18n import translations
from tests.integration.cases.people import (
    FAMILY_NAME,
    GIVEN_NAME,
    NOTES,
    PHONE,
    World,
    build_world,
)
from tests.support.accounts import log_in, make_user, password_hash
from tests.support.run import run


def rows(html: str) -> list[tuple[str, str, str]]:
    """(user, action, object) of each event shown, in page order; the test's own logins
    (authentication events are audited too) are left out."""
    return [
        (user, action, re.sub(r"<[^>]+>", "", obj).strip())
        for user, action, obj in re.findall(
            r'<span class="audit-user">([^<]*)</span>\s*'
            r'<span class="audit-action">([^<]*)</span>\s*'
            r'<span class="audit-object">(.*?)</span>\s*</li>',
            html,
            re.S,
        )
        if action != "Logged in"
    ]


def team_id(name: str) -> int:
    return run(Team.select(Team.id).where(Team.name == name).first())["id"]


def event(at: str, username: str, team: str, action: str = "view_case", object_id: str = "X"):
    run(
        AuditEvent.insert(
            AuditEvent(
                at=datetime.fromisoformat(at),
                actor_name=username,
                team=team_id(team),
                action=action,
                object_type="case",
                object_id=object_id,
            )
        )
    )


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def timed_events(world):
    """A fixed set of events, with no others (the world's own are removed)."""
    run(AuditEvent.delete(force=True))
    # Europe/Chisinau is UTC+3 in summer: 22:30 UTC on 3 July is 01:30 on 4 July there.
    event("2025-07-01T08:00:00+00:00", "ana", "Team North", "view_case", "MD-2025-0001")
    event("2025-07-03T22:30:00+00:00", "sofia", "Team North", "assign_case", "MD-2025-0001")
    event("2025-07-05T09:00:00+00:00", "ana", "Team North", "close_case", "MD-2025-0001")
    event("2025-07-04T12:00:00+00:00", "victor", "Team South", "view_case", "MD-2025-0002")


def test_supervisor_sees_own_team_newest_first(client, timed_events):
    log_in(client, "sofia")
    response = client.get("/audit")
    assert response.status_code == 200
    assert rows(response.text) == [
        ("ana", "Closed a case", "Case MD-2025-0001"),
        ("sofia", "Assigned a case", "Case MD-2025-0001"),
        ("ana", "Viewed a case", "Case MD-2025-0001"),
    ]


def test_admin_sees_every_team(client, timed_events):
    log_in(client, "ada")
    shown = rows(client.get("/audit").text)
    assert [user for user, _action, _obj in shown] == ["ana", "victor", "sofia", "ana"]


def test_filter_by_username(client, timed_events):
    log_in(client, "sofia")
    assert [r[0] for r in rows(client.get("/audit?user=ana").text)] == ["ana", "ana"]
    assert [r[0] for r in rows(client.get("/audit?user=+SOFIA+").text)] == ["sofia"]
    # Another team's user is not found by a supervisor.
    response = client.get("/audit?user=victor")
    assert rows(response.text) == []
    assert "No event matches these filters." in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Days are the user's local days (Europe/Chisinau), both ends included.
        ("from=2025-07-04&to=2025-07-04", ["Assigned a case"]),
        ("from=2025-07-03&to=2025-07-03", []),
        ("from=2025-07-01&to=2025-07-01", ["Viewed a case"]),
        ("from=2025-07-02", ["Closed a case", "Assigned a case"]),
        ("to=2025-07-04", ["Assigned a case", "Viewed a case"]),
        ("from=2025-07-05&to=2025-07-05&user=ana", ["Closed a case"]),
        ("from=2025-07-05&to=2025-07-05&user=sofia", []),
    ],
)
def test_filter_by_period(client, timed_events, query, expected):
    log_in(client, "sofia")
    response = client.get(f"/audit?{query}")
    assert response.status_code == 200
    assert [action for _user, action, _obj in rows(response.text)] == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday", "The start of the period is not a date. Use the form YYYY-MM-DD."),
        ("from=2025-13-01", "The start of the period is not a date. Use the form YYYY-MM-DD."),
        ("from=2025-02-30", "The start of the period is not a date. Use the form YYYY-MM-DD."),
        ("from=20250703", "The start of the period is not a date. Use the form YYYY-MM-DD."),
        ("from=2025-W27-1", "The start of the period is not a date. Use the form YYYY-MM-DD."),
        ("to=2025-7-3", "The end of the period is not a date. Use the form YYYY-MM-DD."),
        ("to=%00", "The end of the period is not a date. Use the form YYYY-MM-DD."),
        ("to=" + "9" * 5000, "The end of the period is not a date. Use the form YYYY-MM-DD."),
        ("from=2025-07-05&to=2025-07-01", "The period starts after it ends. Swap the two dates."),
    ],
)
def test_bad_dates_get_400_and_a_message(client, timed_events, query, message):
    log_in(client, "sofia")
    response = client.get(f"/audit?{query}")
    assert response.status_code == 400
    assert message in response.text
    assert 'role="alert"' in response.text
    assert rows(response.text) == []
    assert 'action="/audit"' in response.text


def test_the_form_keeps_the_filters(client, timed_events):
    log_in(client, "sofia")
    page = client.get("/audit?user=ana&from=2025-07-01&to=2025-07-31").text
    assert 'name="user" value="ana"' in page
    assert 'name="from" type="date" value="2025-07-01"' in page
    assert 'name="to" type="date" value="2025-07-31"' in page
    assert '<a href="/audit">Clear the filters</a>' in page


def test_case_views_and_changes_are_recorded_and_shown(client, world):
    token = log_in(client, "sofia")
    client.get(f"/cases/{world.north_code}")
    client.post(
        f"/cases/{world.north_code}/assign",
        data={"assignee": str(world.users["bogdan"]), "_csrf_token": token},
    )
    shown = rows(client.get("/audit?user=sofia").text)
    # The redirect after assigning shows the case page again: a second view.
    assert shown == [
        ("sofia", "Viewed a case", f"Case {world.north_code}"),
        ("sofia", "Assigned a case", f"Case {world.north_code}"),
        ("sofia", "Viewed a case", f"Case {world.north_code}"),
    ]


def test_the_log_shows_no_content(client, world):
    log_in(client, "sofia")
    client.get(f"/cases/{world.north_code}")
    client.get(f"/entries/{world.north_visit}")
    client.get(f"/entries/{world.north_intake}")
    for username in ("sofia", "ada"):
        client.cookies.clear()
        log_in(client, username)
        page = client.get("/audit").text
        assert rows(page)  # there is something to show
        for secret in (NOTES, GIVEN_NAME, FAMILY_NAME, PHONE):
            assert secret not in page


def test_actions_have_readable_labels(client, world):
    for action in ACTIONS:
        assert action_label(action) != action
    log_in(client, "sofia")
    client.get(f"/cases/{world.north_code}")
    page = client.get("/audit").text
    main = page[page.index("<main") : page.index("</main>")]
    assert "Viewed a case" in main
    for action in ACTIONS:
        assert f">{action}<" not in main


@pytest.mark.parametrize("role", ["coordinator", "shelter"])
def test_field_roles_get_403(client, role):
    make_user("someone", role)
    log_in(client, "someone")
    assert client.get("/audit").status_code == 403


def test_anonymous_goes_to_login(client):
    response = client.get("/audit", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/audit"


def test_a_supervisor_without_a_team_sees_nothing(client, timed_events):
    run(create_user("loner", "", "supervisor", None, password_hash=password_hash()))
    log_in(client, "loner")
    response = client.get("/audit")
    assert response.status_code == 200
    assert rows(response.text) == []


def test_labels_are_translated(client, timed_events):
    run(User.update({User.language: "ro"}).where(User.username == "sofia"))
    log_in(client, "sofia")
    page = client.get("/audit").text
    assert translations("ro").gettext("Closed a case") in page
    assert '<html lang="ro">' in page


def test_event_time_is_local(client, timed_events):
    log_in(client, "sofia")
    page = client.get("/audit?from=2025-07-04&to=2025-07-04").text
    # 22:30 UTC is 01:30 the next day in Chișinău.
    assert "4 Jul 2025, 01:30" in page
    assert 'datetime="2025-07-03T22:30:00+00:00"' in page
