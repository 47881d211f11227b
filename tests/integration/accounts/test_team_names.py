"""A team's name follows the page's language where an admin gave it one, and stays the
team's own name elsewhere: the greeting, the report, the indicators' and the schedule's
team lists, the users page."""

from __future__ import annotations

import io

from server.accounts.services import name_team
from tests.support.accounts import log_in, make_user
from tests.support.run import run


def switch_language(client, language: str) -> None:
    response = client.post(
        "/language",
        data={"language": language, "next": "/", "_csrf_token": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )
    assert response.status_code in (302, 303), response.text


def test_the_greeting_shows_the_team_name_of_the_page_language(client):
    make_user("ana", "coordinator", "Team North")
    run(name_team("Team North", "ro", "Echipa Nord"))
    log_in(client, "ana")
    assert '<p class="muted">Team North</p>' in client.get("/").text
    switch_language(client, "ro")
    home = client.get("/").text
    assert '<p class="muted">Echipa Nord</p>' in home and 'title="Echipa Nord"' in home
    # A language without its own name falls back to the team's name.
    switch_language(client, "ru")
    assert '<p class="muted">Team North</p>' in client.get("/").text


def word_text(content: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_monthly_report_shows_it_and_its_word_file_in_the_coordinators_language(client):
    make_user("ana", "coordinator", "Team North", language="sr")
    make_user("sofia", "supervisor", "Team North")
    run(name_team("Team North", "sq", "Ekipi Veri"))
    run(name_team("Team North", "sr", "Тим Север"))
    log_in(client, "sofia")
    switch_language(client, "sq")
    report = client.get("/reports/monthly/ana/2025-07").text
    assert "<dd>Ekipi Veri</dd>" in report
    assert "Team North" not in report
    # The Word file is in the coordinator's language, whoever downloads it.
    word = client.get("/reports/monthly/ana/2025-07.docx")
    assert word.status_code == 200, word.text[:200]
    text = word_text(word.content)
    assert "Тим Север" in text and "Ekipi Veri" not in text


def test_an_admin_sees_it_on_the_users_page_and_the_report_schedule(client):
    make_user("root", "admin", "Team North")
    run(name_team("Team North", "sr", "Тим Север"))
    log_in(client, "root")
    switch_language(client, "sr")
    assert "Тим Север" in client.get("/account/users").text
    schedule = client.get("/report-schedule").text
    assert "<h2>Тим Север</h2>" in schedule and ">Тим Север</option>" in schedule
    assert ">Тим Север</option>" in client.get("/indicators").text
