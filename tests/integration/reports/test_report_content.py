"""The July report of a coordinator from a month of approved, returned, superseded and
waiting entries: only the latest approved version of each chain counts, only that
coordinator's, only that month's."""

from __future__ import annotations

from datetime import date

import pytest

from server.reports.compiling import compile_month, month_bounds, parse_month
from tests.support.reports import PROBLEM_TEXT, SOLUTION_TEXT, build_month
from tests.support.run import run


@pytest.fixture
def month():
    return build_month()


def test_only_approved_latest_versions_of_the_month_count(month):
    figures = run(compile_month(month.team.users["ana"], date(2025, 7, 1), "Europe/Chisinau"))
    assert figures["visits"] == {"total": 3, "by_place": {"centre": 1, "home": 1, "shelter": 1}}
    assert figures["by_type"] == {
        "accompaniment": 2,
        "case_intake": 1,
        "referral": 1,
        "supervision": 1,
        "systemic_problem": 1,
        "training": 1,
        "visit": 3,
    }
    assert figures["entries"] == 10
    assert figures["accompaniments"]["pairs"] == {"court|trial": 1, "police|statement": 1}
    assert figures["referrals"]["pairs"] == {"medical|accepted": 1}
    assert figures["trainings"]["participants"] == {
        "female": 12,
        "male": 3,
        "other": 1,
        "total": 16,
    }
    assert figures["supervision"] == {"sessions": 1, "participants": 4}
    code = month.team.north_code
    assert figures["cases"] == {
        "assisted": 1,
        "new": 1,
        "closed": 0,
        "active": 1,
        "list": [{"code": code, "new": True, "closed": False, "entries": 7}],
    }
    assert [problem["id"] for problem in figures["problems"]] == [month.problem_id]
    assert figures["problems"][0]["kind"] == "procedural"


def test_the_figures_hold_no_free_text(month):
    figures = run(compile_month(month.team.users["ana"], date(2025, 7, 1), "Europe/Chisinau"))
    text = repr(figures)
    assert PROBLEM_TEXT not in text and SOLUTION_TEXT not in text
    assert "First visit" not in text  # the visits' purpose is sealed


def test_the_month_follows_the_coordinators_time_zone(month):
    # 00:30 on 1 August in Chișinău is August's, though still 31 July in UTC.
    august = run(compile_month(month.team.users["ana"], date(2025, 8, 1), "Europe/Chisinau"))
    assert august["visits"]["total"] == 1
    start, end = month_bounds(date(2025, 7, 1), "Europe/Chisinau")
    assert start.isoformat() == "2025-06-30T21:00:00+00:00"
    assert end.isoformat() == "2025-07-31T21:00:00+00:00"


def test_another_coordinator_sees_only_their_own_work(month):
    figures = run(compile_month(month.team.users["bogdan"], date(2025, 7, 1), "Europe/Chisinau"))
    assert figures["by_type"] == {"case_intake": 1, "visit": 1}
    assert figures["problems"] == []


@pytest.mark.parametrize(
    "text", ["2025-13", "2025-7", "25-07", "2025-07-01", "", "abcd-ef", "2025-07\n", "1999-12"]
)
def test_malformed_months_are_refused(text):
    assert parse_month(text) is None


def test_a_month_parses_to_its_first_day():
    assert parse_month("2025-12") == date(2025, 12, 1)
