"""The record of processing is generated from the deployment's real settings, keys and data,
as a page and as a Word file; an admin sets a team's own retention period there."""

from __future__ import annotations

import io

from docx import Document

from server.privacy.services import retention_days
from server.sealing.keys import key_ring
from server.settings import get_settings
from tests.integration.cases.people import build_world
from tests.support.accounts import log_in
from tests.support.run import run


def test_the_record_says_what_is_held_where_how_long_and_how_protected(client):
    world = build_world()
    settings = get_settings()
    token = log_in(client, "ada")
    page = client.get("/privacy/record")
    assert page.status_code == 200
    text = page.text
    assert f"kept {settings.retention_days} days after closing" in text
    assert key_ring().current_kid() in text
    assert str(settings.keys_dir) in text
    assert "Open cases: 2; closed: 0; erased: 0; entries: 4." in text
    # Names are sealed, categories are clear: the record says so per entry type.
    intake = text.split("Case intake</dt><dd>")[1].split("</dd>")[0]
    clear, sealed = intake.split("Sealed")
    assert "Given name" in sealed and "Given name" not in clear
    assert "Citizenship" in clear and "Citizenship" not in sealed

    saved = client.post(
        "/privacy/record/retention",
        data={"team": "Team North", "days": "400", "_csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert run(retention_days(run_team(world))) == 400
    assert "400 days after closing" in client.get("/privacy/record").text
    bad = client.post(
        "/privacy/record/retention",
        data={"team": "Team North", "days": "3", "_csrf_token": token},
        follow_redirects=False,
    )
    assert bad.status_code == 400 and 'id="record-error"' in bad.text
    assert run(retention_days(run_team(world))) == 400

    word = client.get("/privacy/record.docx")
    assert word.status_code == 200
    document = Document(io.BytesIO(word.content))
    body = "\n".join(paragraph.text for paragraph in document.paragraphs)
    cells = "\n".join(cell.text for t in document.tables for r in t.rows for cell in r.cells)
    assert key_ring().current_kid() in body
    assert "Team North" in cells and "400" in cells
    assert f"kept {settings.retention_days} days" in body

    # A supervisor reads it but does not change periods; a coordinator does neither.
    client.cookies.clear()
    token = log_in(client, "sofia")
    assert client.get("/privacy/record").status_code == 200
    refused = client.post(
        "/privacy/record/retention",
        data={"team": "Team North", "days": "", "_csrf_token": token},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert run(retention_days(run_team(world))) == 400
    client.cookies.clear()
    log_in(client, "ana")
    assert client.get("/privacy/record").status_code == 403


def run_team(world) -> int:
    from server.accounts.tables import User

    return run(User.select(User.team).where(User.id == world.users["sofia"]).first())["team"]
