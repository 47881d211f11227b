"""A month of work for report and indicator tests: approved, returned, superseded and
waiting entries of ana (Team North) in July 2025, with what the July report must say."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from server.reports import services as reports
from tests.support.accounts import log_in
from tests.support.approvals import Team, build_team, current_user, decided, log_visit
from tests.support.entries import plaintext, submit
from tests.support.run import run

PROBLEM_TEXT = "Interpreters for Romani are never available at the prosecutor's office."
SOLUTION_TEXT = "A regional roster of interpreters paid by the ministry."


@dataclass(frozen=True)
class Month:
    team: Team
    problem_id: str


def log(user_id: int, type: str, case: str | None = None, *, revises=None, at=None, **fields):
    extra = {"occurred_at": at} if at else {}
    result = submit(user_id, plaintext(type, case, revises=revises, **extra, **fields))
    assert result["status"] == "stored", result
    return result["id"]


def build_month() -> Month:
    team = build_team()
    ana, sofia = team.users["ana"], team.users["sofia"]
    bogdan = team.users["bogdan"]
    case = team.north_code

    # Visits: one approved; one returned (never counts); one approved then corrected and the
    # correction approved (only the correction counts); one approved whose correction waits
    # (the approved one keeps counting); one waiting (never counts).
    decided(sofia, log(ana, "visit", case, place="home"), "approved")
    decided(sofia, log(ana, "visit", case, place="institution"), "returned", "Say which one.")
    first = log(ana, "visit", case, place="home")
    decided(sofia, first, "approved")
    decided(sofia, log(ana, "visit", case, revises=first, place="centre"), "approved")
    kept = log(ana, "visit", case, place="shelter")
    decided(sofia, kept, "approved")
    log(ana, "visit", case, revises=kept, place="home")
    log(ana, "visit", case, place="home")

    decided(
        sofia,
        log(ana, "accompaniment", case, institution="court", hearing_type="trial"),
        "approved",
    )
    decided(sofia, log(ana, "accompaniment", case), "approved")  # police, statement
    decided(
        sofia, log(ana, "referral", case, service_type="medical", status="accepted"), "approved"
    )
    log(ana, "referral", case, service_type="housing", status="sent")  # waiting
    decided(
        sofia,
        log(ana, "training", participants_female=12, participants_male=3, participants_other=1),
        "approved",
    )
    decided(sofia, log(ana, "supervision", participants=4), "approved")
    problem_id = log(
        ana,
        "systemic_problem",
        description=PROBLEM_TEXT,
        proposed_solution=SOLUTION_TEXT,
        linked_cases=[case],
    )
    decided(sofia, problem_id, "approved")
    # Other months and other coordinators never reach ana's July.
    decided(sofia, log(ana, "visit", case, at="2025-08-01T00:30:00+03:00"), "approved")
    decided(sofia, log(ana, "visit", case, at="2025-06-30T12:00:00+03:00"), "approved")
    decided(sofia, log(bogdan, "visit", team.centre_code), "approved")
    return Month(team, problem_id)


def decide_with_comments(client: Any, marker: Callable[[str], str]) -> dict:
    """A July like build_month's, then through the real forms: an entry returned and one
    approved with a comment, ana's report returned and then approved with a comment each;
    `marker(name)` makes each comment's text."""
    month = build_month()
    users = month.team.users
    returned = log_visit(users["ana"], month.team.north_code)
    approved = log_visit(users["ana"], month.team.north_code)
    csrf = log_in(client, "sofia")
    for entry, verb, text in (
        (returned, "return", marker("entry-return")),
        (approved, "approve", marker("entry-approve")),
    ):
        response = client.post(
            f"/entries/{entry}/{verb}",
            data={"_csrf_token": csrf, "comment": text},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
    ana = current_user(users["ana"])
    report = run(reports.load_report(ana, "ana", "2025-07"))
    run(reports.save_narrative(ana, report, "July."))
    run(reports.submit(ana, report))
    url = "/reports/monthly/ana/2025-07"
    response = client.post(
        f"{url}/return",
        data={"_csrf_token": csrf, "comment": marker("report-return")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    run(reports.submit(ana, run(reports.load_report(ana, "ana", "2025-07"))))
    response = client.post(
        f"{url}/approve",
        data={"_csrf_token": csrf, "comment": marker("report-approve")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    client.cookies.clear()
    return {"returned": returned, "approved": approved, "report_url": url}
