"""A hearing reads as one: "next hearing", where (the accompaniment's institution, a
category), and its time in hours and minutes, in the person's language and time zone — on
Upcoming, on Home and in the reminder — and still never a name."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.deadlines.scheduler import run_scheduler_once
from server.notifications.services import payload
from server.notifications.tables import Notification
from tests.support.accounts import log_in, make_user
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run

CHISINAU = ZoneInfo("Europe/Chisinau")
NAME = "Ana Popescu"


def log_hearing(user_id: int, case_id: str, at: datetime, institution: str = "court") -> None:
    fields = {"institution": institution, "next_hearing_at": at.isoformat(), "notes": NAME}
    assert submit(user_id, plaintext("accompaniment", case_id, **fields))["status"] == "stored"


def test_upcoming_and_home_say_next_hearing_at_the_court_and_the_time_in_romanian(client):
    ion = make_user("ion", "coordinator", "VPC North", "MD", language="ro")
    case_id, _code = open_case(ion, notes=NAME)
    tomorrow = datetime.now(CHISINAU).date() + timedelta(days=1)
    log_hearing(ion, case_id, datetime.combine(tomorrow, time(9, 30), CHISINAU))
    log_in(client, "ion")
    day = f"{tomorrow:%d.%m.%Y}"  # ro-MD's short date
    for path in ("/upcoming", "/"):
        page = client.get(path).text
        item = re.search(r'<li class="deadline deadline-hearing">.*?</li>', page, re.S)
        assert item, path
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item.group(0)))
        assert "Următoarea ședință · Instanța de judecată" in text, text
        assert f"{day}, 09:30" in text, text
        assert "09:30:00" not in page and "Acțiune procesuală" not in text
        assert NAME not in page


def test_a_hearing_reminder_names_the_institution_and_nothing_about_the_person():
    ion = make_user("ion", "coordinator", "VPC North", "MD", language="ro")
    case_id, _code = open_case(ion, notes=NAME)
    day = date(2026, 3, 10)
    log_hearing(ion, case_id, datetime.combine(day + timedelta(days=1), time(9, 30), CHISINAU))
    summary = run(run_scheduler_once(datetime.combine(day, time(18, 0), CHISINAU).astimezone(UTC)))
    assert len(summary.reminders) == 1
    row = run(Notification.select().where(Notification.user == ion).first())
    params = row["params"] if isinstance(row["params"], dict) else json.loads(row["params"])
    assert params["institution"] == "court"
    assert set(params) == {"zone", "at", "institution"}
    message = payload(row, "ro")
    assert message["title"] == "Ședință (Instanța de judecată) pe 11 mar. 2026, la ora 09:30"
    assert NAME not in json.dumps(message, ensure_ascii=False)
    # The same reminder in English.
    assert payload(row, "en")["title"] == "Hearing (Court) on 11 Mar 2026 at 09:30"


def test_a_reminder_of_an_older_hearing_without_an_institution_still_reads():
    row = {
        "kind": "hearing",
        "url": "/cases/MD-2026-0001",
        "params": {"zone": "Europe/Chisinau", "at": "2026-03-11T09:30:00+02:00"},
    }
    assert payload(row, "en")["title"] == "Hearing on 11 Mar 2026 at 09:30"
    row["params"]["institution"] = "not-a-category"
    assert payload(row, "en")["title"] == "Hearing on 11 Mar 2026 at 09:30"
