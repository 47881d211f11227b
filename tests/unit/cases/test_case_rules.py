"""The case rules that need no HTTP: who assigns, who closes, what a code search accepts,
and the audit log's period bounds."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from server.audit.services import ACTIONS, action_label, object_type_label, period_bounds
from server.cases.services import may_assign, may_close, normalise_code_search
from server.core.identity import CurrentUser


def person(role: str, user_id: int = 1, team_id: int | None = 10) -> CurrentUser:
    return CurrentUser(
        id=user_id,
        username=f"u{user_id}",
        role=role,
        team_id=team_id,
        team_name="T",
        country="MD",
        language="en",
        time_zone="Europe/Chisinau",
    )


CASE = {"team": 10, "assigned_to": 1}


@pytest.mark.parametrize(
    ("user", "assign", "close"),
    [
        (person("supervisor", 5), True, True),
        (person("supervisor", 5, team_id=11), False, False),
        (person("supervisor", 5, team_id=None), False, False),
        (person("coordinator", 1), False, True),
        (person("coordinator", 2), False, False),
        (person("shelter", 1), False, True),
        (person("shelter", 3), False, False),
        (person("admin", 1), False, False),
    ],
    ids=[
        "supervisor-of-team",
        "supervisor-other-team",
        "supervisor-no-team",
        "coordinator-assigned",
        "coordinator-not-assigned",
        "shelter-assigned",
        "shelter-not-assigned",
        "admin-even-with-the-assignees-id",
    ],
)
def test_who_assigns_and_who_closes(user, assign, close):
    assert may_assign(user, CASE) is assign
    assert may_close(user, CASE) is close


def test_a_case_without_a_team_is_nobodys_to_assign():
    assert not may_assign(person("supervisor", team_id=None), {"team": None, "assigned_to": 3})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("MD-2025-0001", "MD-2025-0001"),
        ("md-2025", "MD-2025"),
        (" xk - 2025 ", "XK-2025"),
        ("MD%", None),
        ("MD_2025", None),
        ("MD/2025", None),
        ("<script>", None),
        ("M" * 33, None),
        # Names are never searched: this is only a prefix no code has.
        ("Ileana Vrabie", "ILEANAVRABIE"),
    ],
)
def test_code_search(text, expected):
    assert normalise_code_search(text) == expected


def test_period_bounds_are_local_days_with_both_ends_included():
    zone = ZoneInfo("Europe/Chisinau")
    since, until = period_bounds(date(2025, 7, 1), date(2025, 7, 31), "Europe/Chisinau")
    assert since == datetime(2025, 7, 1, tzinfo=zone)
    assert until == datetime(2025, 8, 1, tzinfo=zone)
    assert since.utcoffset().total_seconds() == 3 * 3600
    assert period_bounds(None, None, "UTC") == (None, None)
    # The last day of a winter month, across the change to summer time.
    _since, until = period_bounds(None, date(2025, 3, 29), "Europe/Chisinau")
    assert until == datetime(2025, 3, 30, tzinfo=zone)


def test_every_action_has_a_label():
    for action in ACTIONS:
        assert action_label(action) not in ("", action)
    assert action_label("something_new") == "something_new"
    assert object_type_label("case") == "Case"
    assert object_type_label("other") == "other"
