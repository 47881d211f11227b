"""Returned entries and their corrections: the coordinator's list with the comment, the
capture form that corrects, the history of versions and decisions on the entry page, and
the status the phone reads."""

from __future__ import annotations

import re

import pytest

from server.entries.tables import Entry
from tests.support.accounts import log_in
from tests.support.approvals import build_team, decided, log_visit
from tests.support.entries import (
    bearer,
    plaintext,
    register_device,
    sealed_envelope,
    submit,
    sync,
)
from tests.support.run import run

COMMENT = "The purpose of the visit is missing."


@pytest.fixture
def team():
    return build_team()


def test_returned_to_me_lists_the_comment_and_a_correct_link_until_corrected(client, team):
    entry = log_visit(team.users["ana"], team.north_code)
    decided(team.users["sofia"], entry, "returned", COMMENT)
    log_in(client, "ana")
    for path in ("/returned", "/"):
        page = client.get(path).text
        assert COMMENT in page
        assert f'href="/capture/visit?revises={entry}"' in page
        assert "Returned by sofia on" in page
    # Another coordinator of the team sees none of it.
    client.cookies.clear()
    log_in(client, "bogdan")
    assert entry not in client.get("/returned").text
    client.cookies.clear()

    log_visit(team.users["ana"], team.north_code, revises=entry)
    log_in(client, "ana")
    page = client.get("/returned").text
    assert entry not in page
    assert "Nothing was returned to you." in page


def test_the_capture_form_shows_the_comment_when_correcting(client, team):
    entry = log_visit(team.users["ana"], team.north_code)
    decided(team.users["sofia"], entry, "returned", COMMENT)
    log_in(client, "ana")
    page = client.get(f"/capture/visit?revises={entry}").text
    assert f'<input type="hidden" name="revises" value="{entry}">' in page
    assert 'id="capture-return-comment"' in page and COMMENT in page
    # Not for an offline copy (the service worker's), nor for another coordinator's entry.
    offline = client.get(
        f"/capture/visit?revises={entry}", headers={"alongside-offline-copy": "1"}
    ).text
    assert COMMENT not in offline
    client.cookies.clear()
    log_in(client, "bogdan")
    assert COMMENT not in client.get(f"/capture/visit?revises={entry}").text
    assert COMMENT not in client.get("/capture/visit?revises=not-an-id").text


def test_entry_page_history_of_versions_and_decisions(client, team):
    first = log_visit(team.users["ana"], team.north_code)
    decided(team.users["sofia"], first, "returned", COMMENT)
    second = log_visit(team.users["ana"], team.north_code, revises=first)
    decided(team.users["sofia"], second, "approved")
    third = log_visit(team.users["ana"], team.north_code, revises=second)

    log_in(client, "sofia")
    page = client.get(f"/entries/{third}").text
    history = page[page.index('id="history"') :]
    assert history.index("Version 1") < history.index("Version 2") < history.index("Version 3")
    assert "Returned by sofia on" in history and COMMENT in history
    assert "Approved by sofia on" in history
    assert "sent by ana on" in history
    # The latest version waits: the supervisor may decide on it here.
    assert f'action="/entries/{third}/approve"' in page
    assert f'action="/entries/{third}/return"' in page
    assert f'href="/approvals/next?after={third}">Skip: next entry' in page
    # An older version shows the history and points to the latest, with no controls.
    old = client.get(f"/entries/{first}").text
    assert "A newer version of this entry exists." in old
    assert f'href="/entries/{third}">Open the latest version' in old
    assert "/approve" not in old
    # Beside the entry: its case's timeline, latest versions only.
    timeline = page[page.index('id="case-timeline"') :]
    assert f"/entries/{third}" in timeline and f"/entries/{first}" not in timeline

    # The author reads the same history, without the controls.
    client.cookies.clear()
    log_in(client, "ana")
    page = client.get(f"/entries/{first}").text
    assert COMMENT in page and "/approve" not in page
    # Another team's supervisor: 404.
    client.cookies.clear()
    log_in(client, "victor")
    assert client.get(f"/entries/{third}").status_code == 404


def test_the_author_of_a_returned_entry_sees_the_comment_and_correct_on_the_entry(client, team):
    entry = log_visit(team.users["ana"], team.north_code)
    decided(team.users["sofia"], entry, "returned", COMMENT)
    log_in(client, "ana")
    page = client.get(f"/entries/{entry}").text
    block = page[page.index('id="returned-comment"') :]
    assert COMMENT in block
    assert f'href="/capture/visit?revises={entry}">Correct' in block


def test_status_endpoint_follows_each_version(client, team):
    csrf = log_in(client, "ana")
    _device, token = register_device(client, csrf)
    original = plaintext("visit", team.north_code)
    envelope = sealed_envelope(original)
    assert sync(client, token, [envelope]).json()["results"][0]["status"] == "stored"
    first = envelope["id"]

    def status(*ids: str) -> dict:
        response = client.get("/api/v1/entries/status?ids=" + ",".join(ids), headers=bearer(token))
        assert response.status_code == 200
        return response.json()

    assert status(first) == {first: "submitted"}
    decided(team.users["sofia"], first, "returned", COMMENT)
    assert status(first) == {first: "returned"}
    correction = sealed_envelope(plaintext("visit", team.north_code, revises=first))
    assert sync(client, token, [correction]).json()["results"][0]["status"] == "stored"
    second = correction["id"]
    assert status(first, second) == {first: "returned", second: "submitted"}
    decided(team.users["sofia"], second, "approved")
    assert status(first, second) == {first: "returned", second: "approved"}
    # The returned version stays returned forever; the chain is one root.
    rows = run(Entry.select(Entry.id, Entry.root).where(Entry.id.is_in([first, second])))
    assert {str(row["root"]) for row in rows} == {first}


def test_a_revision_of_an_approved_entry_waits_again(client, team):
    entry = log_visit(team.users["ana"], team.north_code)
    decided(team.users["sofia"], entry, "approved")
    revision = log_visit(team.users["ana"], team.north_code, revises=entry)
    log_in(client, "sofia")
    page = client.get("/approvals").text
    assert re.findall(r'id="queue-([0-9a-f-]{36})"', page) == [revision]
    assert "corrected" in page


def test_correcting_an_intake_leaves_identity_out_until_shown_and_audits_the_reveal(client, team):
    from server.audit.tables import AuditEvent

    intake = plaintext(
        "case_intake",
        given_name="Mirela",
        family_name="Ursachi",
        phone="+37360999888",
        notes="INTAKE notes",
    )
    entry = submit(team.users["ana"], intake)["id"]
    decided(team.users["sofia"], entry, "returned", COMMENT)
    log_in(client, "ana")
    page = client.get(f"/capture/case_intake?revises={entry}").text
    assert "INTAKE notes" in page  # the correction starts from what was written...
    for secret in ("Mirela", "Ursachi", "+37360999888"):
        assert secret not in page  # ...without who the person is
    assert 'data-identity-withheld="1"' in page
    assert f'href="/capture/case_intake?revises={entry}&amp;identity=1"' in page

    def reveals() -> list:
        return run(
            AuditEvent.select(AuditEvent.actor_name, AuditEvent.object_id).where(
                AuditEvent.action == "view_identity"
            )
        )

    assert reveals() == []
    shown = client.get(f"/capture/case_intake?revises={entry}&identity=1").text
    for secret in ("Mirela", "Ursachi", "+37360999888"):
        assert secret in shown
    assert "data-identity-withheld" not in shown
    assert reveals() == [{"actor_name": "ana", "object_id": entry}]
    # Asking to show it on an entry that is not one's own to correct shows and records nothing.
    client.cookies.clear()
    log_in(client, "bogdan")
    assert "Mirela" not in client.get(f"/capture/case_intake?revises={entry}&identity=1").text
    assert len(reveals()) == 1
