"""Key rotation: a new current key, stored entries re-wrapped (never re-encrypted), and
everything readable before stays readable after."""

from __future__ import annotations

import uuid

from litestar.testing import TestClient

from server.cases.tables import CaseLabel
from server.entries.rotation import rotate_keys
from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry
from server.sealing.keys import key_ring
from tests.integration.sync.conftest import Phone
from tests.support.entries import plaintext, sealed_envelope, sync
from tests.support.run import run


def rows() -> dict[str, dict]:
    found = run(Entry.select(*ENVELOPE_COLUMNS, Entry.digest))
    return {str(row["id"]): row for row in found}


def test_rotation_rewraps_and_everything_stays_readable(client: TestClient, phone: Phone) -> None:
    old_kid = client.get("/api/v1/sealing-key").json()["kid"]
    entries = [
        plaintext("case_intake", given_name="Maria"),
        plaintext("training", None, topic="Before rotation"),
        plaintext("supervision", None, topic="Also before"),
    ]
    envelopes = [sealed_envelope(entry) for entry in entries]
    assert {e["kid"] for e in envelopes} == {old_kid}
    results = sync(client, phone.token, envelopes).json()["results"]
    assert [r["status"] for r in results] == ["stored"] * 3
    # The coordinator's sealed label of the case is re-wrapped with the entries.
    code = results[0]["case_code"]
    label = client.post(
        f"/cases/{code}/label",
        data={"label": "grey coat", "_csrf_token": phone.csrf},
        follow_redirects=False,
    )
    assert label.status_code == 303
    [label_before] = run(CaseLabel.select())
    before = rows()

    new_kid, count = run(rotate_keys())
    assert new_kid != old_kid
    assert count == 3

    after = rows()
    assert set(after) == set(before)
    for entry_id, row in after.items():
        old = before[entry_id]
        assert row["ciphertext"] == old["ciphertext"]
        assert row["iv"] == old["iv"]
        assert row["envelope_kid"] == old_kid
        assert row["key_kid"] == new_kid
        assert row["wrapped_key"] != old["wrapped_key"]
    for envelope, entry in zip(envelopes, entries, strict=True):
        assert open_entry(after[envelope["id"]]) == entry

    # The new key is the one published to phones.
    published = client.get("/api/v1/sealing-key").json()
    assert published["kid"] == new_kid
    assert published["spki"] == key_ring().get(new_kid).spki_b64url

    # A retry of an entry sent before the rotation is still a duplicate, not a conflict.
    [retry] = sync(client, phone.token, [envelopes[1]]).json()["results"]
    assert retry["status"] == "duplicate"
    # And the unsealed page still opens.
    assert "Maria" in client.get(f"/entries/{envelopes[0]['id']}/identity").text
    [label_after] = run(CaseLabel.select())
    assert label_after["key_kid"] == new_kid and label_before["key_kid"] == old_kid
    assert label_after["ciphertext"] == label_before["ciphertext"]
    assert "grey coat" in client.get(f"/cases/{code}").text


def test_phones_may_still_seal_to_the_old_key_after_a_rotation(
    client: TestClient, phone: Phone
) -> None:
    old_envelope = sealed_envelope(plaintext("training", None, topic="Sealed offline, sent late"))
    new_kid, _count = run(rotate_keys())
    assert old_envelope["kid"] != new_kid
    fresh = sealed_envelope(plaintext("training", None, topic="Sealed to the new key"))
    assert fresh["kid"] == new_kid
    results = sync(client, phone.token, [old_envelope, fresh]).json()["results"]
    assert [r["status"] for r in results] == ["stored", "stored"]
    stored = rows()
    assert stored[old_envelope["id"]]["envelope_kid"] == old_envelope["kid"]
    assert open_entry(stored[old_envelope["id"]])["fields"]["topic"] == "Sealed offline, sent late"
    assert open_entry(stored[fresh["id"]])["fields"]["topic"] == "Sealed to the new key"

    # A second rotation re-wraps both, whatever key each was wrapped to.
    newest, count = run(rotate_keys())
    assert count == 2
    stored = rows()
    assert {row["key_kid"] for row in stored.values()} == {newest}
    assert open_entry(stored[old_envelope["id"]])["fields"]["topic"] == "Sealed offline, sent late"
    assert str(uuid.UUID(old_envelope["id"])) in stored
