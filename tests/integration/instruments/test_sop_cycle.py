"""The SOP cycle of the risk instrument end to end: the supervisor drafts a version that
raises one item's score, staff comment in Albanian and Serbian, the workshop's practice
report shows how many of last quarter's assessments would change level, the version is
published, the next reassessment uses it and the earlier ones keep the version they used."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.audit.tables import AuditEvent
from server.entries.tables import Entry
from server.instruments.practice import last_quarter
from server.instruments.tables import InstrumentComment
from server.risk.instrument import library
from tests.support.accounts import log_in, make_user
from tests.support.entries import (
    VALID_FIELDS,
    open_case,
    plaintext,
    register_device,
    sealed_envelope,
    submit,
    sync,
)
from tests.support.html_forms import form_of
from tests.support.run import run

SHELTER = "State Shelter Pristina"
BELGRADE = ZoneInfo("Europe/Belgrade")
CALM = VALID_FIELDS["risk_assessment"]["answers"]


@pytest.fixture
def shelter() -> dict:
    return {
        "arta": make_user("arta", "supervisor", SHELTER, "XK", ("Prishtinë",)),
        "besa": make_user("besa", "shelter", SHELTER, "XK", ("Prishtinë",), language="en"),
        "drita": make_user("drita", "shelter", SHELTER, "XK", ("Prishtinë",), language="sq"),
        "milan": make_user("milan", "shelter", SHELTER, "XK", ("Prishtinë",), language="sr"),
        "ion": make_user("ion", "coordinator", "VPC North", "MD", ("North",)),
    }


def local(day, hour: int = 10) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BELGRADE).isoformat()


def test_draft_consult_simulate_publish_and_reassess(client, shelter) -> None:
    today = datetime.now(BELGRADE).date()
    start, end = last_quarter(today)
    middle = start + timedelta(days=30)
    # Six residents assessed last quarter with "some" mental-health concerns: score 3, low.
    codes = []
    for number in range(6):
        _case_id, code = open_case(
            shelter["besa"], region="Prishtinë", citizenship="XK", occurred_at=local(start)
        )
        answers = {**CALM, "health.mental": "some"}
        result = submit(
            shelter["besa"],
            plaintext(
                "risk_assessment", code, occurred_at=local(middle, 9 + number), answers=answers
            ),
        )
        assert result["status"] == "stored", result
        codes.append(code)

    # The supervisor copies version 1 into a draft and raises "some" on health.mental to 8.
    log_in(client, "arta")
    response = client.post(
        "/instruments/draft",
        data={"_csrf_token": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get("/instruments/draft?part=health")
    assert page.status_code == 200
    fields = form_of(page.text, "/instruments/draft/parts/health")
    index = next(
        key.split("-")[1]
        for key, value in fields.items()
        if key.endswith("-id") and value == "health.mental"
    )
    answer = next(
        key.rsplit("-", 1)[0]
        for key, value in fields.items()
        if key.startswith(f"item-{index}-answer-") and key.endswith("-value") and value == "some"
    )
    assert fields[f"{answer}-score"] == "3"
    fields[f"{answer}-score"] = "8"
    saved = client.post(
        "/instruments/draft/parts/health", data=fields, headers={"HX-Request": "true"}
    )
    assert saved.status_code == 200, saved.text
    assert 'id="draft-ready"' in saved.text  # no problems: publishable
    assert 'id="draft-part"' in saved.text and "<html" not in saved.text  # the fragment

    # Open for comments; staff write in Albanian and Serbian.
    client.post(
        "/instruments/draft/consultation",
        data={"open": "1", "_csrf_token": client.cookies.get("csrftoken")},
    )
    albanian = "Pikët për shëndetin mendor janë shumë të larta për këtë pyetje."
    serbian = "Нацрт је јаснији, али треба више смерница за особље."
    for name, item, text in (("drita", "health.mental", albanian), ("milan", "", serbian)):
        client.cookies.clear()
        csrf = log_in(client, name)
        page = client.get("/instruments/draft/comments")
        assert page.status_code == 200
        sent = client.post(
            "/instruments/draft/comments",
            data={"item": item, "text": text, "_csrf_token": csrf},
            follow_redirects=False,
        )
        assert sent.status_code == 303, sent.text
    # Sealed: a database dump shows neither comment.
    rows = run(InstrumentComment.select())
    assert len(rows) == 2
    dump = repr(rows)
    assert "shëndetin" not in dump and "Нацрт" not in dump
    assert {row["language"] for row in rows} == {"sq", "sr"}

    # The working group reads them by item and marks each.
    client.cookies.clear()
    csrf = log_in(client, "arta")
    page = client.get("/instruments/draft/comments")
    assert albanian in page.text and serbian in page.text
    mental = page.text.index('id="item-health.mental"')
    assert page.text.index(albanian) > mental  # under its item
    assert page.text.index(serbian) < mental  # under the whole
    ids = {row["item_id"]: str(row["id"]) for row in rows}
    declined = client.post(
        f"/instruments/comments/{ids['health.mental']}/outcome",
        data={"outcome": "declined", "why": "", "_csrf_token": csrf},
    )
    assert declined.status_code == 422  # declining needs a why
    for comment_id, outcome, why in (
        (ids["health.mental"], "declined", "The workshop kept the higher score."),
        (ids[""], "taken", ""),
    ):
        response = client.post(
            f"/instruments/comments/{comment_id}/outcome",
            data={"outcome": outcome, "why": why, "_csrf_token": csrf},
            follow_redirects=False,
        )
        assert response.status_code == 303
    page = client.get("/instruments/draft/comments")
    assert "The workshop kept the higher score." in page.text
    assert {row["outcome"] for row in run(InstrumentComment.select())} == {"declined", "taken"}

    # The workshop's page: all six of last quarter's assessments would move low → medium.
    report = client.get("/instruments/practice")
    assert report.status_code == 200
    section = report.text[report.text.index('id="section-draft"') :]
    assert re.search(r"Would change level</th><td class=\"number\">6<", section), section[:2000]
    exported = client.get(f"/instruments/practice.csv?from={start}&to={end}")
    rows_csv = list(csv.reader(io.StringIO(exported.text)))
    assert ["draft", "changed", "Would change level", "6"] in rows_csv
    assert ["draft", "low→medium", "Low → Medium", "6"] in rows_csv
    docx = client.get(f"/instruments/practice.docx?from={start}&to={end}")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"

    # Published as version 2.
    published = client.post(
        "/instruments/draft/publish", data={"_csrf_token": csrf}, follow_redirects=False
    )
    assert published.status_code == 303, published.text
    body = client.get("/api/v1/risk/instrument").json()
    assert body["version"] == "2"
    assert body["levels"] == ["low", "medium", "high", "critical"]
    assert body["reassess_after_days"]["medium"] == 14
    mental_item = next(
        item
        for domain in body["domains"]
        for item in domain["items"]
        if item["id"] == "health.mental"
    )
    assert {a["value"]: a["score"] for a in mental_item["answers"]}["some"] == 8

    # The next reassessment, from a shelter phone, uses version 2 and scores medium.
    client.cookies.clear()
    csrf = log_in(client, "besa")
    _device, token = register_device(client, csrf)
    entry = plaintext(
        "risk_assessment",
        codes[0],
        occurred_at=local(today, 8),
        instrument="2",
        answers={**CALM, "health.mental": "some"},
    )
    result = sync(client, token, [sealed_envelope(entry)]).json()["results"][0]
    assert result["status"] == "stored", result
    assert client.get(f"/api/v1/cases/{codes[0]}/risk").json()["instrument"] == "2"
    assert client.get(f"/api/v1/cases/{codes[0]}/risk").json()["level"] == "medium"
    # The earlier ones still show the version they used.
    assert client.get(f"/api/v1/cases/{codes[1]}/risk").json()["instrument"] == "1"
    assert client.get(f"/api/v1/cases/{codes[1]}/risk").json()["level"] == "low"
    earlier = run(
        Entry.select(Entry.details, Entry.risk_level).where(Entry.type == "risk_assessment")
    )
    assert sum('"instrument": "1"' in row["details"] for row in earlier) == 6
    # Every step is in the audit log.
    actions = {row["action"] for row in run(AuditEvent.select(AuditEvent.action))}
    assert {
        "instrument_draft_started",
        "instrument_draft_edited",
        "instrument_consultation_opened",
        "instrument_comment_added",
        "instrument_comment_decided",
        "export_instrument_report",
        "instrument_published",
    } <= actions
    assert library().current().version == "2"
