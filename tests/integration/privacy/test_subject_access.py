"""Subject access: a supervisor exports everything held about one case, as JSON and as a Word
file — every field of every version of every entry, the decisions, consents and deadlines —
behind the password, audited, for the case's own team only."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

from docx import Document

from server.accounts.tables import Session
from server.audit.tables import AuditEvent
from tests.integration.cases.people import FAMILY_NAME, GIVEN_NAME, NOTES, build_world
from tests.support.accounts import log_in
from tests.support.approvals import decided
from tests.support.entries import plaintext, submit
from tests.support.run import run


def _case_entries(world):
    """Every plaintext the case holds: the intake, the visit, a returned referral and its
    correction (two versions of one piece of work)."""
    referral = plaintext(
        "referral",
        world.north_code,
        provider="Centre for legal aid",
        follow_up_on="2025-08-01",
        notes="Needs an interpreter.",
    )
    first = submit(world.users["ana"], referral)
    decided(world.users["sofia"], first["id"], "returned", "The provider is misspelt.")
    corrected = {
        **referral,
        "revises": first["id"],
        "fields": {**referral["fields"], "provider": "Centre for Legal Aid"},
    }
    second = submit(world.users["ana"], corrected)
    decided(world.users["sofia"], second["id"], "approved")
    return {first["id"]: referral, second["id"]: corrected}


def test_the_export_holds_every_field_of_every_version_with_decisions(client):
    world = build_world()
    referrals = _case_entries(world)
    log_in(client, "sofia")
    response = client.get(f"/cases/{world.north_code}/export.json")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    held = response.json()

    by_id = {entry["id"]: entry for entry in held["entries"]}
    # The intake, the visit and both versions of the referral; nothing of the other case.
    assert set(by_id) == {world.north_intake, world.north_visit, *referrals}
    for entry_id, sent in referrals.items():
        assert by_id[entry_id]["fields"] == sent["fields"]
    intake = by_id[world.north_intake]["fields"]
    assert intake["given_name"] == GIVEN_NAME and intake["family_name"] == FAMILY_NAME
    assert by_id[world.north_visit]["fields"]["notes"] == NOTES
    first, second = referrals
    assert by_id[second]["revises"] == first
    assert by_id[second]["version_of"] == first
    assert [d["decision"] for d in by_id[first]["decisions"]] == ["returned"]
    assert by_id[first]["decisions"][0]["comment"] == "The provider is misspelt."
    assert by_id[first]["decisions"][0]["decided_by"] == "sofia"
    assert held["consents"]["consent_sharing"] == "refused"
    assert held["case"]["code"] == world.north_code
    assert {d["entry"] for d in held["deadlines"]} == set(referrals)

    word = client.get(f"/cases/{world.north_code}/export.docx")
    assert word.status_code == 200
    document = Document(io.BytesIO(word.content))
    text = "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    for entry in held["entries"]:
        for key, value in entry["fields"].items():
            assert f"fields.{key}" in text
            if isinstance(value, str) and value:
                assert value in text, key
    assert GIVEN_NAME in text and "The provider is misspelt." in text

    exported = run(
        AuditEvent.select(AuditEvent.actor_name, AuditEvent.object_id).where(
            AuditEvent.action == "export_case"
        )
    )
    assert exported == [{"actor_name": "sofia", "object_id": world.north_code}] * 2
    # Only in the response: nothing of the content in the audit log.
    assert GIVEN_NAME not in json.dumps(exported)


def test_the_export_needs_the_password_again_and_the_case_team(client):
    world = build_world()
    log_in(client, "sofia")
    run(
        Session.update({Session.reauthenticated_at: datetime.now(UTC) - timedelta(hours=1)}).where(
            Session.ended_at.is_null()
        )
    )
    asked = client.get(f"/cases/{world.north_code}/export.json", follow_redirects=False)
    assert asked.status_code == 303
    assert asked.headers["location"].startswith("/account/confirm?next=")
    assert not run(AuditEvent.exists().where(AuditEvent.action == "export_case"))
    for username in ("ana", "victor", "ada"):
        client.cookies.clear()
        log_in(client, username)
        response = client.get(f"/cases/{world.north_code}/export.json", follow_redirects=False)
        assert response.status_code == 404, username
