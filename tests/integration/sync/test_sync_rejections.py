"""POST /api/v1/sync: every way an entry or a request is refused, and what stays stored."""

from __future__ import annotations

import json
import uuid

import pytest
from litestar.testing import TestClient

from server.entries.definitions import NOTES_MAX
from server.entries.tables import Entry
from server.sealing.envelope import b64url_decode, b64url_encode, seal, seal_json
from server.sealing.keys import key_ring
from server.sync.services import MAX_BYTES, MAX_ENTRIES
from tests.integration.sync.conftest import Phone, phone_for
from tests.support.accounts import make_user
from tests.support.entries import (
    bearer,
    new_id,
    open_case,
    plaintext,
    sealed_envelope,
    submit,
    sync,
)
from tests.support.run import run

SECRET = "MARKER-submitted-Vb93"


def only_result(response) -> dict:
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == 1
    return results[0]


def assert_rejected(result: dict, code: str) -> None:
    assert result["status"] == "rejected", result
    assert result["error"]["code"] == code, result
    assert isinstance(result["error"]["message"], str) and result["error"]["message"]


def training(**fields) -> dict:
    return plaintext("training", None, **fields)


# --- the envelope ------------------------------------------------------------------------


def test_a_valid_entry_is_stored(client: TestClient, phone: Phone) -> None:
    envelope = sealed_envelope(training(notes="fine"))
    result = only_result(sync(client, phone.token, [envelope]))
    assert result == {"id": envelope["id"], "status": "stored"}
    assert run(Entry.count()) == 1


@pytest.mark.parametrize("index", [0, 20, -17, -1])
def test_a_flipped_byte_in_the_ciphertext_is_unseal_failed(
    client: TestClient, phone: Phone, index: int
) -> None:
    envelope = sealed_envelope(training())
    data = bytearray(b64url_decode(envelope["ciphertext"]))
    data[index] ^= 0x80
    envelope["ciphertext"] = b64url_encode(bytes(data))
    result = only_result(sync(client, phone.token, [envelope]))
    assert result["id"] == envelope["id"]
    assert_rejected(result, "unseal_failed")
    assert run(Entry.count()) == 0


def test_an_envelope_sealed_for_another_id_is_rejected(client: TestClient, phone: Phone) -> None:
    # Sealed with the additional data of one id, sent under another.
    envelope = seal_json(training(), key_ring().current(), new_id()).to_json()
    envelope["id"] = new_id()
    assert_rejected(only_result(sync(client, phone.token, [envelope])), "unseal_failed")
    assert run(Entry.count()) == 0


def test_an_envelope_sealed_with_another_kid_in_its_additional_data_is_rejected(
    client: TestClient, phone: Phone
) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from server.sealing.envelope import OAEP

    key = key_ring().current()
    entry_id = new_id()
    content_key = AESGCM.generate_key(bit_length=256)
    iv = bytes(range(12))
    aad = f"alongside/v1|{entry_id}|2000-01-000000".encode()
    envelope = {
        "v": 1,
        "id": entry_id,
        "kid": key.kid,
        "alg": "RSA-OAEP-256+A256GCM",
        "wrapped_key": b64url_encode(key.private_key.public_key().encrypt(content_key, OAEP)),
        "iv": b64url_encode(iv),
        "ciphertext": b64url_encode(
            AESGCM(content_key).encrypt(iv, json.dumps(training()).encode(), aad)
        ),
    }
    assert_rejected(only_result(sync(client, phone.token, [envelope])), "unseal_failed")


def test_an_unknown_kid_is_unknown_key(client: TestClient, phone: Phone) -> None:
    envelope = sealed_envelope(training())
    envelope["kid"] = "1999-01-abcdef"
    assert_rejected(only_result(sync(client, phone.token, [envelope])), "unknown_key")


@pytest.mark.parametrize(
    "bad_id",
    [
        "not-a-uuid",
        "9b2f3c1e-1a2b-1c3d-8e4f-0123456789ab",  # version 1
        "9b2f3c1e-1a2b-5c3d-8e4f-0123456789ab",  # version 5
        "9B2F3C1E-1A2B-4C3D-8E4F-0123456789AB",  # upper case: could never be opened again
        "",
    ],
)
def test_an_id_that_is_not_a_uuid_v4_is_rejected(
    client: TestClient, phone: Phone, bad_id: str
) -> None:
    envelope = seal_json(training(), key_ring().current(), bad_id or None).to_json()
    envelope["id"] = bad_id
    if bad_id:  # sealed with that id in its additional data, so only the id's form is wrong
        envelope = seal(json.dumps(training()).encode(), key_ring().current(), bad_id).to_json()
    assert_rejected(only_result(sync(client, phone.token, [envelope])), "invalid_envelope")
    assert run(Entry.count()) == 0


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"v": 2}, "unsupported_version"),
        ({"alg": "RSA1_5+A128CBC"}, "unsupported_algorithm"),
        ({"iv": "AAAA"}, "invalid_envelope"),
        ({"wrapped_key": "***"}, "invalid_envelope"),
    ],
)
def test_a_malformed_envelope_is_rejected(
    client: TestClient, phone: Phone, change: dict, code: str
) -> None:
    envelope = {**sealed_envelope(training()), **change}
    assert_rejected(only_result(sync(client, phone.token, [envelope])), code)


@pytest.mark.parametrize("item", [None, 1, "envelope", [], {}])
def test_an_item_that_is_not_an_envelope_is_rejected_alone(
    client: TestClient, phone: Phone, item
) -> None:
    good = sealed_envelope(training())
    response = sync(client, phone.token, [item, good])
    assert response.status_code == 200
    first, second = response.json()["results"]
    assert first["status"] == "rejected" and first["error"]["code"] == "invalid_envelope"
    assert first["id"] is None
    assert second == {"id": good["id"], "status": "stored"}


# --- the plaintext -----------------------------------------------------------------------


def test_a_plaintext_that_is_not_json_is_invalid_plaintext(
    client: TestClient, phone: Phone
) -> None:
    for content in (b"not json at all " + SECRET.encode(), b"\xff\xfe\xfd", b""):
        envelope = seal(content, key_ring().current()).to_json()
        result = only_result(sync(client, phone.token, [envelope]))
        assert_rejected(result, "invalid_plaintext")
        assert SECRET not in json.dumps(result)


def invalid_plaintexts() -> list[tuple[str, dict]]:
    missing = training(topic=SECRET)
    del missing["fields"]["audience"]
    unknown = training(notes=SECRET)
    unknown["fields"]["favourite_colour"] = SECRET
    unknown_top = training()
    unknown_top[SECRET] = "x"
    return [
        ("missing required field", missing),
        ("unknown field", unknown),
        ("unknown top-level key", unknown_top),
        ("bad enum", training(audience=SECRET)),
        (
            "date-time without offset",
            plaintext("training", None, occurred_at="2025-07-03T10:00:00", topic=SECRET),
        ),
        ("notes too long", training(notes=SECRET * (NOTES_MAX // len(SECRET) + 1))),
        (
            "intake: bad enum, name sealed",
            plaintext("case_intake", given_name=SECRET, sex="unknown-" + SECRET),
        ),
        (
            "answers with a content key",
            plaintext("risk_assessment", str(uuid.uuid4()), answers={SECRET.lower(): "y" * 99}),
        ),
    ]


@pytest.mark.parametrize(
    ("label", "entry"), invalid_plaintexts(), ids=[e[0] for e in invalid_plaintexts()]
)
def test_a_schema_violation_is_rejected_without_quoting_the_entry(
    client: TestClient, phone: Phone, label: str, entry: dict
) -> None:
    result = only_result(sync(client, phone.token, [sealed_envelope(entry)]))
    assert_rejected(result, "schema_violation")
    text = json.dumps(result, ensure_ascii=False).lower()
    assert SECRET.lower() not in text and "vb93" not in text, text
    assert "favourite" not in text
    assert run(Entry.count()) == 0


def test_an_unknown_type_is_rejected(client: TestClient, phone: Phone) -> None:
    entry = training()
    entry["type"] = "diary"
    assert_rejected(
        only_result(sync(client, phone.token, [sealed_envelope(entry)])), "unknown_type"
    )


# --- cases -------------------------------------------------------------------------------


def test_an_unknown_case_uuid_is_unknown_case(client: TestClient, phone: Phone) -> None:
    entry = plaintext("visit", str(uuid.uuid4()))
    assert_rejected(
        only_result(sync(client, phone.token, [sealed_envelope(entry)])), "unknown_case"
    )


def test_the_case_code_of_another_team_is_unknown_case(client: TestClient, phone: Phone) -> None:
    stranger = make_user("sam", team="Team South", regions=("South",))
    case_id, code = open_case(stranger, region="South")
    for reference in (code, case_id):
        entry = plaintext("visit", reference)
        assert_rejected(
            only_result(sync(client, phone.token, [sealed_envelope(entry)])), "unknown_case"
        )
    # …and the same in a systemic problem's linked cases.
    entry = plaintext("systemic_problem", None, linked_cases=[code])
    assert_rejected(
        only_result(sync(client, phone.token, [sealed_envelope(entry)])), "unknown_case"
    )
    # The owner may write to it.
    assert submit(stranger, plaintext("visit", code))["status"] == "stored"


def test_a_code_that_does_not_exist_is_unknown_case(client: TestClient, phone: Phone) -> None:
    entry = plaintext("referral", "MD-2025-9999")
    assert_rejected(
        only_result(sync(client, phone.token, [sealed_envelope(entry)])), "unknown_case"
    )


def test_an_intake_reusing_an_existing_case_id_is_rejected(
    client: TestClient, phone: Phone
) -> None:
    case_id, _code = open_case(phone.user_id)
    entry = plaintext("case_intake", case_id)
    assert_rejected(only_result(sync(client, phone.token, [sealed_envelope(entry)])), "case_exists")


# --- the request -------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"not json", b"{", b"\xff\xfe", b""])
def test_a_body_that_is_not_json_is_400(client: TestClient, phone: Phone, body: bytes) -> None:
    response = client.post(
        "/api/v1/sync",
        content=body,
        headers={**bearer(phone.token), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"]


@pytest.mark.parametrize(
    "body",
    [
        [],
        {},
        {"entries": {}},
        {"entries": "x"},
        {"entries": None},
        {"envelopes": []},
        [{"entries": []}],
        "entries",
        3,
    ],
)
def test_a_body_of_the_wrong_shape_is_400(client: TestClient, phone: Phone, body: object) -> None:
    response = client.post(
        "/api/v1/sync", content=json.dumps(body).encode(), headers=bearer(phone.token)
    )
    assert response.status_code == 400


def test_an_empty_batch_is_fine(client: TestClient, phone: Phone) -> None:
    response = sync(client, phone.token, [])
    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_a_body_over_2_mib_is_413(client: TestClient, phone: Phone) -> None:
    envelope = sealed_envelope(training())
    envelope["padding"] = "x" * (MAX_BYTES + 1)
    response = client.post(
        "/api/v1/sync",
        content=json.dumps({"entries": [envelope]}).encode(),
        headers=bearer(phone.token),
    )
    assert response.status_code == 413
    # Far over the limit too.
    response = client.post(
        "/api/v1/sync",
        content=b'{"entries": ["' + b"x" * (3 * MAX_BYTES) + b'"]}',
        headers=bearer(phone.token),
    )
    assert response.status_code == 413
    assert run(Entry.count()) == 0


def test_a_body_just_under_2_mib_is_accepted(client: TestClient, phone: Phone) -> None:
    envelope = sealed_envelope(training())
    body = json.dumps({"entries": [envelope]}).encode()
    padded = body[:-1] + b" " * (MAX_BYTES - len(body)) + b"}"
    assert len(padded) == MAX_BYTES
    response = client.post("/api/v1/sync", content=padded, headers=bearer(phone.token))
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "stored"


def test_more_than_100_entries_is_413_and_nothing_is_stored(
    client: TestClient, phone: Phone
) -> None:
    envelope = sealed_envelope(training())
    entries = [envelope] + [{"v": 1, "id": new_id()} for _ in range(MAX_ENTRIES)]
    response = sync(client, phone.token, entries)
    assert response.status_code == 413
    assert run(Entry.count()) == 0


def test_exactly_100_entries_are_accepted(client: TestClient, phone: Phone) -> None:
    entries = [sealed_envelope(training())] + [
        {"v": 1, "id": new_id()} for _ in range(MAX_ENTRIES - 1)
    ]
    response = sync(client, phone.token, entries)
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 100
    assert results[0]["status"] == "stored"
    assert {r["status"] for r in results[1:]} == {"rejected"}


# --- authentication ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic Y29yYTpwYXNzd29yZA=="},
        {"Authorization": "Bearer " + "x" * 500},
    ],
)
def test_without_a_valid_token_the_whole_request_is_401(
    client: TestClient, phone: Phone, headers: dict
) -> None:
    # The client's session cookie does not count: only a device token does.
    response = client.post(
        "/api/v1/sync", json={"entries": [sealed_envelope(training())]}, headers=headers
    )
    assert response.status_code == 401
    response = client.get(f"/api/v1/entries/status?ids={new_id()}", headers=headers)
    assert response.status_code == 401
    assert run(Entry.count()) == 0


def test_the_token_is_checked_before_the_body(client: TestClient) -> None:
    response = client.post(
        "/api/v1/sync", content=b"not json", headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401


def test_a_revoked_device_is_401_at_once(client: TestClient, phone: Phone) -> None:
    assert sync(client, phone.token, [sealed_envelope(training())]).status_code == 200
    response = client.delete(
        f"/api/v1/devices/{phone.device_id}", headers={"X-CSRFToken": phone.csrf}
    )
    assert response.status_code == 204
    response = sync(client, phone.token, [sealed_envelope(training())])
    assert response.status_code == 401
    assert (
        client.get(
            f"/api/v1/entries/status?ids={new_id()}", headers=bearer(phone.token)
        ).status_code
        == 401
    )
    assert run(Entry.count()) == 1


def test_revoking_needs_the_csrf_token(client: TestClient, phone: Phone) -> None:
    response = client.delete(f"/api/v1/devices/{phone.device_id}")
    assert response.status_code == 403
    assert sync(client, phone.token, [sealed_envelope(training())]).status_code == 200


def test_nobody_else_revokes_a_device(client: TestClient, phone: Phone) -> None:
    with TestClient(app=client.app, base_url="http://127.0.0.1:8000") as other:
        intruder = phone_for(other, "ivan", role="coordinator")
        response = other.delete(
            f"/api/v1/devices/{phone.device_id}", headers={"X-CSRFToken": intruder.csrf}
        )
        assert response.status_code == 404
    assert sync(client, phone.token, [sealed_envelope(training())]).status_code == 200


def test_an_admin_revokes_any_device(client: TestClient, phone: Phone) -> None:
    with TestClient(app=client.app, base_url="http://127.0.0.1:8000") as other:
        make_user("ada", role="admin")
        from tests.support.accounts import log_in

        csrf = log_in(other, "ada")
        response = other.delete(f"/api/v1/devices/{phone.device_id}", headers={"X-CSRFToken": csrf})
        assert response.status_code == 204
    assert sync(client, phone.token, [sealed_envelope(training())]).status_code == 401


def test_a_deactivated_user_s_device_is_401(client: TestClient, phone: Phone) -> None:
    from server.accounts.tables import User

    run(User.update({User.active: False}).where(User.id == phone.user_id))
    assert sync(client, phone.token, [sealed_envelope(training())]).status_code == 401


# --- batches and roles -------------------------------------------------------------------


def test_one_bad_entry_among_good_ones_stores_the_good_ones_in_order(
    client: TestClient, phone: Phone
) -> None:
    good_one = sealed_envelope(training(topic="First"))
    tampered = sealed_envelope(training())
    tampered["ciphertext"] = tampered["ciphertext"][:-4] + (
        "AAAA" if not tampered["ciphertext"].endswith("AAAA") else "BBBB"
    )
    invalid = sealed_envelope(training(audience="everyone"))
    good_two = sealed_envelope(plaintext("case_intake"))
    unknown = sealed_envelope(plaintext("visit", str(uuid.uuid4())))
    good_three = sealed_envelope(training(topic="Third"))
    batch = [good_one, tampered, invalid, good_two, unknown, good_three]
    results = sync(client, phone.token, batch).json()["results"]
    assert [r["id"] for r in results] == [e["id"] for e in batch]
    assert [r["status"] for r in results] == [
        "stored",
        "rejected",
        "rejected",
        "stored",
        "rejected",
        "stored",
    ]
    assert [r.get("error", {}).get("code") for r in results] == [
        None,
        "unseal_failed",
        "schema_violation",
        None,
        "unknown_case",
        None,
    ]
    stored = {str(row["id"]) for row in run(Entry.select(Entry.id))}
    assert stored == {good_one["id"], good_two["id"], good_three["id"]}


def test_a_later_entry_in_the_batch_may_use_a_case_opened_earlier_in_it(
    client: TestClient, phone: Phone
) -> None:
    intake = plaintext("case_intake")
    visit = plaintext("visit", intake["case"])
    results = sync(client, phone.token, [sealed_envelope(intake), sealed_envelope(visit)]).json()[
        "results"
    ]
    assert [r["status"] for r in results] == ["stored", "stored"]


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_a_device_of_a_role_that_writes_no_entries_is_forbidden(
    client: TestClient, role: str
) -> None:
    device = phone_for(client, f"{role}-sue", role=role, team="Team North")
    for entry in (training(), plaintext("case_intake")):
        result = only_result(sync(client, device.token, [sealed_envelope(entry)]))
        assert_rejected(result, "forbidden")
    assert run(Entry.count()) == 0


def test_shelter_staff_may_write_entries(client: TestClient) -> None:
    device = phone_for(client, "sheila", role="shelter", team="Team North")
    result = only_result(sync(client, device.token, [sealed_envelope(plaintext("case_intake"))]))
    assert result["status"] == "stored"


def test_a_supervisor_s_rejection_does_not_leak_the_entry(client: TestClient) -> None:
    device = phone_for(client, "sue", role="supervisor", team="Team North")
    result = only_result(sync(client, device.token, [sealed_envelope(training(topic=SECRET))]))
    assert SECRET not in json.dumps(result)
