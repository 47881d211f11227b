"""A case page opens the answers of the latest assessments only: levels and scores of every
assessment are clear, but unsealing years of monthly reassessments on each view of the case
page made it slow. The latest `ANSWERS_OPENED` show what changed; older ones do not."""

from __future__ import annotations

import uuid

from server.accounts.sessions import load_user
from server.risk.services import ANSWERS_OPENED, history
from tests.support.accounts import make_user
from tests.support.entries import VALID_FIELDS, open_case
from tests.support.reports import log
from tests.support.run import run


def test_only_the_latest_assessments_are_opened_and_compared():
    ana = make_user("ana", "coordinator")
    case_id, code = open_case(ana)
    count = ANSWERS_OPENED + 4
    for number in range(count):
        answers = {
            **VALID_FIELDS["risk_assessment"]["answers"],
            "threats.contact": "past" if number % 2 else "no",
        }
        log(
            ana,
            "risk_assessment",
            code,
            at=f"2025-07-{number + 1:02d}T10:00:00+03:00",
            answers=answers,
        )

    points = run(history(run(load_user(ana)), uuid.UUID(case_id)))

    assert len(points) == count  # every assessment is on the chart, with its level
    assert all(point.level for point in points)
    older, latest = points[: count - ANSWERS_OPENED], points[count - ANSWERS_OPENED :]
    assert all(point.changes == [] and point.answers == {} for point in older[:-1])
    assert [len(point.changes) for point in latest] == [1] * ANSWERS_OPENED
