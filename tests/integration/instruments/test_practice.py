"""The practice report's figures from stored assessments: reassessments on time and late
(a trigger brings the day forward), triggers and how soon an assessment followed, overrides
with their questions and reasons, "not known" answers and level changes."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support.accounts import log_in, make_user
from tests.support.entries import VALID_FIELDS, open_case, plaintext, submit

SHELTER = "State Shelter Pristina"
BELGRADE = ZoneInfo("Europe/Belgrade")
CALM = VALID_FIELDS["risk_assessment"]["answers"]


def local(day: date, hour: int = 10) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BELGRADE).isoformat()


def stored(user: int, entry: dict) -> None:
    result = submit(user, entry)
    assert result["status"] == "stored", result


def test_the_figures_of_a_period(client) -> None:
    besa = make_user("besa", "shelter", SHELTER, "XK", ("Prishtinë",))
    make_user("arta", "supervisor", SHELTER, "XK", ("Prishtinë",))
    first = datetime.now(BELGRADE).date() - timedelta(days=60)
    for _resident in range(5):
        _case, code = open_case(
            besa, region="Prishtinë", citizenship="XK", occurred_at=local(first, 8)
        )
        stored(besa, plaintext("risk_assessment", code, occurred_at=local(first)))  # low: 30 days
        # An incident on day 3: due at once. Reassessed on day 4: late, though within 30 days.
        stored(besa, plaintext("risk_trigger", code, occurred_at=local(first + timedelta(3))))
        stored(
            besa,
            plaintext(
                "risk_assessment",
                code,
                occurred_at=local(first + timedelta(4)),
                answers={**CALM, "threats.contact": "past", "health.mental": "unknown"},
                override_level="high",
                override_reason="She saw the recruiter's car outside twice.",
            ),
        )
        # The third, on day 10, is on time: high asks for one within 7 days of day 4.
        stored(
            besa,
            plaintext("risk_assessment", code, occurred_at=local(first + timedelta(10))),
        )
    log_in(client, "arta")
    end = first + timedelta(days=20)
    response = client.get(f"/instruments/practice.csv?from={first}&to={end}")
    assert response.status_code == 200
    figures = {(row[0], row[1]): row[3] for row in csv.reader(io.StringIO(response.text))}
    assert figures[("timeliness", "assessments")] == "15"
    assert figures[("timeliness", "late")] == "5"  # day 4, due on day 3 by the trigger
    assert figures[("timeliness", "on_time")] == "5"  # day 10, due on day 11 at high
    assert figures[("triggers", "incident")] == "5"
    assert figures[("follow_up", "within_2_days")] == "5"
    assert figures[("overrides", "raised")] == "5"
    assert figures[("overrides", "lowered")] == "0"
    assert figures[("overrides", "reasons")] == "5"
    assert figures[("override_items", "threats.contact|raised")] == "5"
    assert figures[("not_known", "health.mental")] == "5"
    assert figures[("level_changes", "up")] == "5"
    assert figures[("level_changes", "down")] == "5"
    # No draft open: no section of what a draft would change.
    assert not any(section == "draft" for section, _code in figures)
    page = client.get(f"/instruments/practice?from={first}&to={end}")
    assert page.status_code == 200
    assert page.text.count('class="chart"') >= 6
    assert "recruiter" not in page.text and "recruiter" not in response.text
