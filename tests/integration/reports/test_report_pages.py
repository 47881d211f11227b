"""The report page and its Word file through HTTP: content, who may read them (404 for
everyone else), the sealed narrative, and draft → submitted → approved or returned."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document

from server.audit.tables import AuditEvent
from server.notifications.tables import Notification
from server.reports.tables import MonthlyReport, ReportDecision
from server.sealing.texts import open_text
from tests.support.accounts import log_in, make_user
from tests.support.approvals import decided
from tests.support.reports import PROBLEM_TEXT, SOLUTION_TEXT, build_month, log
from tests.support.run import run

URL = "/reports/monthly/ana/2025-07"
NARRATIVE = "In July the work went to the North.\n\nThe court in Bălți heard two cases."


@pytest.fixture
def month():
    return build_month()


def row() -> dict | None:
    return run(MonthlyReport.select().first())


def save(client, csrf, text=NARRATIVE, url=URL, **headers):
    return client.post(
        f"{url}/narrative",
        data={"narrative": text, "_csrf_token": csrf},
        headers=headers,
        follow_redirects=False,
    )


def test_the_coordinator_reads_their_report(client, month):
    log_in(client, "ana")
    page = client.get(URL)
    assert page.status_code == 200
    text = page.text
    assert "July 2025" in text
    assert month.team.north_code in text
    assert PROBLEM_TEXT.replace("'", "&#39;") in text and SOLUTION_TEXT in text
    assert 'id="table-visits"' in text
    assert page.headers["cache-control"] == "no-store"


def test_the_supervisor_of_the_team_reads_it(client, month):
    log_in(client, "sofia")
    assert client.get(URL).status_code == 200
    assert client.get(URL + ".docx").status_code == 200


@pytest.mark.parametrize("reader", ["bogdan", "victor", "petru"])
def test_anyone_else_gets_404(client, month, reader):
    log_in(client, reader)
    for url in (URL, URL + ".docx"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert PROBLEM_TEXT not in response.text
    csrf = client.cookies.get("csrftoken")
    assert save(client, csrf).status_code == 404
    assert row() is None


def test_an_admin_and_shelter_staff_get_404(client, month):
    make_user("root", "admin", "Team North")
    make_user("sara", "shelter", "Team North")
    for name in ("root", "sara"):
        client.cookies.clear()
        log_in(client, name)
        assert client.get(URL).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/reports/monthly/nobody/2025-07",
        "/reports/monthly/sofia/2025-07",  # a supervisor writes no monthly report
        "/reports/monthly/ana/2025-13",
        "/reports/monthly/ana/2025-7",
        "/reports/monthly/ana/july",
        "/reports/monthly/ana/2025-07.pdf",
    ],
)
def test_unknown_people_and_malformed_months_are_404(client, month, url):
    log_in(client, "sofia")
    assert client.get(url).status_code == 404


def test_the_word_file_has_the_reports_sections_and_figures(client, month):
    csrf = log_in(client, "ana")
    save(client, csrf)
    response = client.get(URL + ".docx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert 'filename="report-ana-2025-07.docx"' in response.headers["content-disposition"]
    document = Document(io.BytesIO(response.content))
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    assert headings[0] == "Monthly activity report"
    for heading in (
        "Summary",
        "Cases assisted",
        "Accompaniments",
        "Visits",
        "Referrals",
        "Trainings delivered",
        "Supervision sessions",
        "Risk levels",
        "Systemic problems and proposed solutions",
        "Narrative",
    ):
        assert heading in headings, heading
    facts = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert facts["Period"] == "July 2025"
    assert facts["Coordinator"] == "ana"
    assert facts["Status"] == "Draft"
    cells = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    assert ["Entries approved", "10"] in cells
    assert ["Court", "Trial hearing", "1"] in cells
    assert ["Medical", "Accepted", "1"] in cells
    assert ["Participants in all", "16"] in cells
    assert [month.team.north_code, "Yes", "", "7"] in cells
    body = "\n".join(p.text for p in document.paragraphs)
    assert PROBLEM_TEXT in body and SOLUTION_TEXT in body
    assert "The court in Bălți heard two cases." in body


def test_the_word_file_is_in_the_coordinators_language(client, month):
    make_user("ion", "coordinator", "Team North", language="ro")
    log_in(client, "sofia")  # the supervisor reads English
    response = client.get("/reports/monthly/ion/2025-07.docx")
    document = Document(io.BytesIO(response.content))
    # Dates in Romanian whoever downloads; the labels follow once the catalogues have them.
    facts = [row.cells[1].text for row in document.tables[0].rows]
    assert facts[0] == "iulie 2025"
    assert "July" not in "".join(facts)


def test_the_narrative_is_saved_sealed_and_shown_back(client, month):
    csrf = log_in(client, "ana")
    response = save(client, csrf, **{"HX-Request": "true", "HX-Target": "narrative"})
    assert response.status_code == 200
    assert 'id="narrative-saved"' in response.text
    stored = row()
    assert stored["status"] == "draft"
    assert "Bălți" not in json.dumps(stored, default=str)
    assert stored["narrative_ciphertext"] and stored["narrative_kid"]
    assert "The court in Bălți heard two cases." in client.get(URL).text
    # Saving again replaces it; still one report for the month.
    save(client, csrf, text="Shorter.")
    assert run(MonthlyReport.count()) == 1
    assert "Shorter." in client.get(URL).text


def test_a_too_long_narrative_is_refused_and_kept_in_the_box(client, month):
    csrf = log_in(client, "ana")
    save(client, csrf)
    long_text = "x" * 20_001
    response = save(client, csrf, text=long_text, **{"HX-Request": "true"})
    assert response.status_code == 422
    assert "too long" in response.text
    assert long_text in response.text
    assert "The court in Bălți heard two cases." in client.get(URL).text  # nothing lost


def test_a_supervisor_cannot_write_the_narrative(client, month):
    csrf = log_in(client, "sofia")
    assert save(client, csrf).status_code == 403
    assert row() is None


def test_submit_approve(client, month):
    csrf = log_in(client, "ana")
    refused = client.post(f"{URL}/submit", data={"_csrf_token": csrf})
    assert refused.status_code == 422 and "Write the narrative" in refused.text
    save(client, csrf)
    response = client.post(f"{URL}/submit", data={"_csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    stored = row()
    assert stored["status"] == "submitted" and stored["submitted_at"] is not None
    figures = (
        json.loads(stored["figures"]) if isinstance(stored["figures"], str) else stored["figures"]
    )
    assert figures["entries"] == 10
    assert PROBLEM_TEXT not in json.dumps(figures)
    # Submitted: no more changes, no second submission.
    assert save(client, csrf, text="Changed.").status_code == 409
    assert client.post(f"{URL}/submit", data={"_csrf_token": csrf}).status_code == 409
    # The coordinator cannot approve their own report.
    assert client.post(f"{URL}/approve", data={"_csrf_token": csrf}).status_code == 403

    # Work approved after submission does not change the submitted figures.
    decided(
        month.team.users["sofia"],
        log(month.team.users["ana"], "visit", month.team.north_code),
        "approved",
    )

    client.cookies.clear()
    csrf = log_in(client, "sofia")
    page = client.get(URL)
    assert 'id="report-approve"' in page.text
    response = client.post(f"{URL}/approve", data={"_csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert row()["status"] == "approved"
    assert client.post(f"{URL}/approve", data={"_csrf_token": csrf}).status_code == 409
    document = Document(io.BytesIO(client.get(URL + ".docx").content))
    cells = [[cell.text for cell in r.cells] for t in document.tables for r in t.rows]
    assert ["Entries approved", "10"] in cells  # the submitted copy, not 11
    actions = {e["action"] for e in run(AuditEvent.select(AuditEvent.action))}
    assert {"submit_report", "approve_report"} <= actions


def test_return_needs_a_comment_then_the_coordinator_submits_again(client, month):
    csrf = log_in(client, "ana")
    save(client, csrf)
    client.post(f"{URL}/submit", data={"_csrf_token": csrf})
    client.cookies.clear()
    csrf = log_in(client, "sofia")
    refused = client.post(f"{URL}/return", data={"_csrf_token": csrf, "comment": "  "})
    assert refused.status_code == 422 and "needs a comment" in refused.text
    assert row()["status"] == "submitted"
    response = client.post(
        f"{URL}/return",
        data={"_csrf_token": csrf, "comment": "Add the hearing in Soroca."},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert row()["status"] == "returned"
    [decision] = run(ReportDecision.select())
    # Sealed like the narrative: the words are not in any column.
    assert "Soroca" not in repr(decision)
    text = open_text(
        decision["comment_sealed"], decision["comment_key_kid"], f"report-decision:{decision['id']}"
    )
    assert text == "Add the hearing in Soroca."

    client.cookies.clear()
    csrf = log_in(client, "ana")
    page = client.get(URL)
    assert "Add the hearing in Soroca." in page.text
    assert save(client, csrf, text="With the hearing in Soroca.").status_code == 303
    assert (
        client.post(f"{URL}/submit", data={"_csrf_token": csrf}, follow_redirects=False).status_code
        == 303
    )
    assert row()["status"] == "submitted"


def test_another_teams_supervisor_cannot_decide(client, month):
    csrf = log_in(client, "ana")
    save(client, csrf)
    client.post(f"{URL}/submit", data={"_csrf_token": csrf})
    client.cookies.clear()
    csrf = log_in(client, "victor")
    assert client.post(f"{URL}/approve", data={"_csrf_token": csrf}).status_code == 404
    assert (
        client.post(f"{URL}/return", data={"_csrf_token": csrf, "comment": "No"}).status_code == 404
    )
    assert row()["status"] == "submitted"


def test_a_future_month_cannot_be_submitted(client, month):
    csrf = log_in(client, "ana")
    save(client, csrf, url="/reports/monthly/ana/2099-01")
    response = client.post("/reports/monthly/ana/2099-01/submit", data={"_csrf_token": csrf})
    assert response.status_code == 422


def test_my_reports_and_team_reports(client, month):
    log_in(client, "ana")
    page = client.get("/reports")
    assert page.status_code == 200 and "/reports/monthly/ana/" in page.text
    assert "/reports/monthly/bogdan/" not in page.text
    client.cookies.clear()
    log_in(client, "sofia")
    page = client.get("/reports")
    assert "/reports/monthly/ana/" in page.text and "/reports/monthly/bogdan/" in page.text
    assert "/reports/monthly/petru/" not in page.text


def notifications_of(username: str) -> list[dict]:
    return run(
        Notification.select(Notification.kind, Notification.url).where(
            (Notification.user.username == username) & Notification.kind.like("report_%")
        )
    )


def test_the_supervisor_hears_of_a_submission_and_the_coordinator_of_the_decision(client, month):
    csrf = log_in(client, "ana")
    save(client, csrf)
    client.post(f"{URL}/submit", data={"_csrf_token": csrf})
    # Only the supervisor of ana's team, with a link and nothing else.
    assert notifications_of("sofia") == [{"kind": "report_submitted", "url": URL}]
    assert notifications_of("victor") == []
    assert notifications_of("ana") == []

    client.cookies.clear()
    csrf = log_in(client, "sofia")
    client.post(f"{URL}/return", data={"comment": "Add the trainings.", "_csrf_token": csrf})
    assert notifications_of("ana") == [{"kind": "report_returned", "url": URL}]

    client.cookies.clear()
    csrf = log_in(client, "ana")
    client.post(f"{URL}/submit", data={"_csrf_token": csrf})
    client.cookies.clear()
    csrf = log_in(client, "sofia")
    client.post(f"{URL}/approve", data={"_csrf_token": csrf})
    kinds = [n["kind"] for n in notifications_of("ana")]
    assert sorted(kinds) == ["report_approved", "report_returned"]
    inbox = client.get("/notifications")  # sofia's inbox says what waits, in words
    assert "A monthly report waits for you" in inbox.text


def test_reading_and_downloading_a_report_are_on_record(client, month):
    log_in(client, "sofia")
    client.get(URL)
    client.get(URL + ".docx")
    client.get("/reports/monthly/ana/2025-06")
    events = run(
        AuditEvent.select(AuditEvent.action, AuditEvent.actor_name, AuditEvent.object_id).where(
            AuditEvent.object_type == "report"
        )
    )
    assert {(e["action"], e["actor_name"], e["object_id"]) for e in events} == {
        ("view_report", "sofia", "ana/2025-07"),
        ("export_report", "sofia", "ana/2025-07"),
        ("view_report", "sofia", "ana/2025-06"),
    }


def test_a_refused_report_is_not_recorded_as_read(client, month):
    log_in(client, "victor")  # another team's supervisor: 404
    assert client.get(URL).status_code == 404
    actions = {e["action"] for e in run(AuditEvent.select(AuditEvent.action))}
    assert "view_report" not in actions
