"""Entries for tests: valid plaintexts of every type, sealed envelopes, and submitting them
through the real sync service (or through HTTP with a registered device)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from server.sealing.envelope import seal_json
from server.sealing.keys import key_ring
from tests.support.run import run

OCCURRED_AT = "2025-07-03T10:00:00+03:00"

# The smallest valid `fields` of each entry type (every required field, nothing else).
VALID_FIELDS: dict[str, dict[str, Any]] = {
    "case_intake": {
        "sex": "female",
        "age_band": "18-20",
        "citizenship": "MD",
        "identification": "presumed",
        "region": "North",
        "consent_assistance": "given",
        "consent_sharing": "given",
        "consent_statistics": "given",
        "notes": "",
    },
    "visit": {"place": "home", "purpose": "First visit", "notes": ""},
    "accompaniment": {
        "institution": "police",
        "hearing_type": "statement",
        "rights_respected": "yes",
        "secondary_victimisation": "no",
        "next_hearing_at": None,
        "notes": "",
    },
    # Names a scheduling entry by a made-up id: valid against the schema; storing it needs the
    # id of a stored accompaniment of the same case (`hearing=...`).
    "hearing_update": {
        "hearing": "0f0e0d0c-0b0a-4909-8807-060504030201",
        "change": "cancelled",
        "notes": "",
    },
    "referral": {
        "service_type": "legal",
        "provider": "Legal aid office",
        "status": "sent",
        "follow_up_on": None,
        "notes": "",
    },
    # Every question of instrument version 1 answered with its least worrying answer.
    "risk_assessment": {
        "instrument": "1",
        "answers": {
            "threats.contact": "no",
            "retrafficking.risk": "no",
            "retrafficking.absconding": "no",
            "self_harm.risk": "no",
            "health.physical": "no",
            "health.mental": "no",
            "health.substance": "no",
            "family.community": "no",
            "legal.proceedings": "none",
            "documents.status": "no",
            "shelter.safety": "no",
            "dependants.safety": "no",
        },
        "notes": "",
    },
    "risk_trigger": {"trigger": "incident", "notes": ""},
    "training": {
        "topic": "Identification of victims",
        "audience": "social_assistants",
        "region": "North",
        "participants_female": 12,
        "participants_male": 3,
        "notes": "",
    },
    "supervision": {
        "audience": "specialists",
        "region": "North",
        "participants": 4,
        "topic": "Case conferences",
        "notes": "",
    },
    "systemic_problem": {
        "kind": "procedural",
        "description": "Interpreters are not available at night.",
        "proposed_solution": "A roster of interpreters on call.",
        "notes": "",
    },
}

ENTRY_TYPE_KEYS = tuple(VALID_FIELDS)
CASELESS_TYPES = ("training", "supervision", "systemic_problem")


def new_id() -> str:
    return str(uuid.uuid4())


def plaintext(
    type: str,
    case: str | None = None,
    *,
    occurred_at: str = OCCURRED_AT,
    revises: str | None = None,
    **fields: Any,
) -> dict:
    """A valid plaintext of that type; `fields` override (or add to) the defaults. For a
    case intake without a case, a fresh case UUID is made."""
    if type == "case_intake" and case is None:
        case = new_id()
    return {
        "type": type,
        "case": case,
        "occurred_at": occurred_at,
        "revises": revises,
        "fields": {**copy.deepcopy(VALID_FIELDS[type]), **fields},
    }


def sealed_envelope(plaintext: object, entry_id: str | None = None) -> dict:
    """An Envelope v1 (as JSON) of the plaintext, sealed to the current key."""
    return seal_json(plaintext, key_ring().current(), entry_id).to_json()


def submit(user_id: int, plaintext: object, entry_id: str | None = None) -> dict:
    """Seal and store one entry as the user (no device); returns its sync result."""
    from server.sync.services import ingest_batch

    envelope = sealed_envelope(plaintext, entry_id)
    return run(ingest_batch([envelope], user_id, None))[0]


def open_case(user_id: int, **fields: Any) -> tuple[str, str]:
    """Open a case by a case intake: returns (case id, case code)."""
    intake = plaintext("case_intake", **fields)
    result = submit(user_id, intake)
    assert result["status"] == "stored", result
    return intake["case"], result["case_code"]


# --- Through HTTP ----------------------------------------------------------------------------


def register_device(client: Any, csrf_token: str, name: str = "Test phone") -> tuple[str, str]:
    """Register a device for the logged-in user of `client`: returns (device id, token)."""
    response = client.post(
        "/api/v1/devices", json={"name": name}, headers={"X-CSRFToken": csrf_token}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["device_id"], body["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sync(client: Any, token: str, envelopes: list[dict]) -> Any:
    """POST /api/v1/sync with a device token; returns the response."""
    return client.post("/api/v1/sync", json={"entries": envelopes}, headers=bearer(token))
