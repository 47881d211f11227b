"""Any client can seal: the public key from GET /api/v1/sealing-key and the contract's
text are enough. The envelope here is made with `cryptography` primitives only, without
any of the server's code."""

from __future__ import annotations

import base64
import json
import os
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_der_public_key
from litestar.testing import TestClient

from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry
from tests.integration.sync.conftest import Phone
from tests.support.run import run


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal_by_hand(public_key: rsa.RSAPublicKey, kid: str, entry_id: str, plaintext: dict) -> dict:
    content_key = os.urandom(32)
    iv = os.urandom(12)
    aad = f"alongside/v1|{entry_id}|{kid}".encode()
    ciphertext = AESGCM(content_key).encrypt(iv, json.dumps(plaintext).encode("utf-8"), aad)
    wrapped_key = public_key.encrypt(
        content_key,
        padding.OAEP(
            mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
        ),
    )
    return {
        "v": 1,
        "id": entry_id,
        "kid": kid,
        "alg": "RSA-OAEP-256+A256GCM",
        "wrapped_key": b64url_encode(wrapped_key),
        "iv": b64url_encode(iv),
        "ciphertext": b64url_encode(ciphertext),
    }


def published_key(client: TestClient) -> tuple[str, rsa.RSAPublicKey]:
    response = client.get("/api/v1/sealing-key")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"kid", "alg", "spki"}
    assert body["alg"] == "RSA-OAEP-256+A256GCM"
    assert isinstance(body["kid"], str) and body["kid"]
    assert "=" not in body["spki"] and "+" not in body["spki"] and "/" not in body["spki"]
    key = load_der_public_key(b64url_decode(body["spki"]))
    assert isinstance(key, rsa.RSAPublicKey)
    return body["kid"], key


def test_the_sealing_key_is_rsa_of_at_least_3072_bits_for_anyone(client: TestClient) -> None:
    kid, key = published_key(client)
    assert key.key_size >= 3072
    assert key.public_numbers().e == 65537
    # Stable between requests: phones cache it.
    assert published_key(client)[0] == kid


def test_an_envelope_sealed_without_our_code_is_stored(client: TestClient, phone: Phone) -> None:
    kid, public_key = published_key(client)
    entry_id = str(uuid.uuid4())
    case_id = str(uuid.uuid4())
    plaintext = {
        "type": "case_intake",
        "case": case_id,
        "occurred_at": "2025-07-03T10:00:00+03:00",
        "revises": None,
        "fields": {
            "given_name": "Ana",
            "sex": "female",
            "age_band": "21-23",
            "citizenship": "MD",
            "identification": "presumed",
            "region": "North",
            "consent_assistance": "given",
            "consent_sharing": "refused",
            "consent_statistics": "given",
            "notes": "Met at the bus station.",
        },
    }
    envelope = seal_by_hand(public_key, kid, entry_id, plaintext)
    response = client.post(
        "/api/v1/sync",
        content=json.dumps({"entries": [envelope]}).encode(),
        headers={"Authorization": f"Bearer {phone.token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert result["id"] == entry_id
    assert result["status"] == "stored", result
    assert result["case_code"].startswith("MD-2025-")

    # What was stored is exactly what the client sent, and opens to its plaintext.
    row = run(Entry.select(*ENVELOPE_COLUMNS).where(Entry.id == uuid.UUID(entry_id)).first())
    assert row["ciphertext"] == envelope["ciphertext"]
    assert row["wrapped_key"] == envelope["wrapped_key"]
    assert row["iv"] == envelope["iv"]
    assert row["envelope_kid"] == kid
    assert open_entry(row) == plaintext

    # A later visit sealed the same way, naming the case by its new code.
    visit = {
        "type": "visit",
        "case": result["case_code"],
        "occurred_at": "2025-07-04T09:30:00Z",
        "revises": None,
        "fields": {"place": "home", "purpose": "Follow-up", "notes": ""},
    }
    second = seal_by_hand(public_key, kid, str(uuid.uuid4()), visit)
    response = client.post(
        "/api/v1/sync",
        json={"entries": [second]},
        headers={"Authorization": f"Bearer {phone.token}"},
    )
    assert response.json()["results"][0]["status"] == "stored"


def test_the_envelope_of_a_foreign_client_must_bind_its_own_id(
    client: TestClient, phone: Phone
) -> None:
    kid, public_key = published_key(client)
    entry_id = str(uuid.uuid4())
    plaintext = {
        "type": "training",
        "case": None,
        "occurred_at": "2025-07-03T10:00:00+03:00",
        "fields": {
            "topic": "Indicators",
            "audience": "police",
            "region": "South",
            "participants_female": 3,
            "participants_male": 9,
            "notes": "",
        },
    }
    envelope = seal_by_hand(public_key, kid, str(uuid.uuid4()), plaintext)
    envelope["id"] = entry_id  # sealed with the additional data of another id
    response = client.post(
        "/api/v1/sync",
        json={"entries": [envelope]},
        headers={"Authorization": f"Bearer {phone.token}"},
    )
    [result] = response.json()["results"]
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "unseal_failed"
    assert run(Entry.count()) == 0
