"""GET /api/v1/schema/entries: the published JSON Schemas, and the server's validation
agreeing with them (a client validating with them gets the server's answer in advance)."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from litestar.testing import TestClient

from server.entries.definitions import ENTRY_TYPES, NOTES_MAX, PlaintextError, validate_plaintext
from tests.support.entries import CASELESS_TYPES, ENTRY_TYPE_KEYS, plaintext

CASE_ID = "5d0c9a4e-1f2b-4c3d-9e8f-0123456789ab"

# RFC 3339 section 5.6, written from the RFC's grammar (jsonschema checks `date-time` only
# when the optional rfc3339-validator is installed, so the reference brings its own).
_RFC3339 = re.compile(
    r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})[Tt]"
    r"(?P<H>[0-9]{2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-](?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))"
)


def reference_format_checker() -> FormatChecker:
    checker = FormatChecker()
    if "date-time" in checker.checkers:
        return checker

    @checker.checks("date-time")
    def rfc3339_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        match = _RFC3339.fullmatch(value)
        if not match:
            return False
        try:
            date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            return False
        if int(match["H"]) > 23 or int(match["M"]) > 59 or int(match["S"]) > 60:
            return False
        return match["oh"] is None or (int(match["oh"]) <= 23 and int(match["om"]) <= 59)

    return checker


@pytest.fixture
def schemas(client: TestClient) -> dict:
    response = client.get("/api/v1/schema/entries")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def case_for(entry_type: str) -> str | None:
    if entry_type in CASELESS_TYPES:
        return None
    return str(uuid.uuid4()) if entry_type == "case_intake" else CASE_ID


def test_every_entry_type_is_published_to_anyone(schemas: dict) -> None:
    assert (
        set(schemas)
        == set(ENTRY_TYPES)
        == {
            "case_intake",
            "visit",
            "accompaniment",
            "hearing_update",
            "referral",
            "risk_assessment",
            "risk_trigger",
            "training",
            "supervision",
            "systemic_problem",
        }
    )


@pytest.mark.parametrize("entry_type", ENTRY_TYPE_KEYS)
def test_each_schema_is_valid_json_schema_2020_12(schemas: dict, entry_type: str) -> None:
    schema = schemas[entry_type]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["type"] == {"const": entry_type}
    assert set(schema["required"]) >= {"type", "case", "occurred_at", "fields"}
    fields = schema["properties"]["fields"]
    assert "notes" in fields["required"] and "notes" in fields["properties"]


@pytest.mark.parametrize("entry_type", ENTRY_TYPE_KEYS)
def test_a_valid_plaintext_of_each_type_validates_against_it(
    schemas: dict, entry_type: str
) -> None:
    validator = Draft202012Validator(schemas[entry_type], format_checker=reference_format_checker())
    entry = plaintext(entry_type, case_for(entry_type), notes="Notes")
    assert list(validator.iter_errors(entry)) == []
    validate_plaintext(entry)


def test_the_special_fields_of_the_contract_are_there(schemas: dict) -> None:
    def field(entry_type: str, key: str) -> dict:
        return schemas[entry_type]["properties"]["fields"]["properties"][key]

    validator = Draft202012Validator(
        schemas["accompaniment"], format_checker=reference_format_checker()
    )
    for value in (None, "2025-09-01T09:00:00+03:00"):
        assert validator.is_valid(plaintext("accompaniment", CASE_ID, next_hearing_at=value))
    assert field("referral", "follow_up_on")
    for key in ("instrument", "answers", "override_level", "override_reason"):
        assert field("risk_assessment", key)
    # An intake opens a case by a fresh UUID; a caseless type has a null case.
    assert not Draft202012Validator(schemas["case_intake"]).is_valid(
        plaintext("case_intake", "MD-2025-0001")
    )
    assert not Draft202012Validator(schemas["training"]).is_valid(plaintext("training", CASE_ID))


def examples() -> list[tuple[str, str, dict]]:
    """(label, type, plaintext): valid and invalid, for both judges to agree on."""
    items: list[tuple[str, str, dict]] = []

    def add(label: str, entry: dict) -> None:
        items.append((label, entry["type"], entry))

    add("valid visit", plaintext("visit", CASE_ID))
    add("valid visit by code", plaintext("visit", "XK-2025-0003"))
    add(
        "valid intake, optional nulls",
        plaintext("case_intake", nrm_referral_on=None, exploitation=None),
    )
    add(
        "valid hearing in UTC",
        plaintext("accompaniment", CASE_ID, next_hearing_at="2025-09-01T07:00:00Z"),
    )
    add(
        "valid fraction of a second",
        plaintext("visit", CASE_ID, occurred_at="2025-07-03T10:00:00.250+03:00"),
    )
    add("valid revision", plaintext("visit", CASE_ID, revises=str(uuid.uuid4())))
    add(
        "valid linked cases",
        plaintext("systemic_problem", None, linked_cases=["MD-2025-0001", CASE_ID]),
    )
    add(
        "valid answers", plaintext("risk_assessment", CASE_ID, answers={"d1.q1": "yes", "d2.q3": 2})
    )

    missing = plaintext("visit", CASE_ID)
    del missing["fields"]["purpose"]
    add("missing required field", missing)
    no_notes = plaintext("training", None)
    del no_notes["fields"]["notes"]
    add("missing notes", no_notes)
    unknown = plaintext("visit", CASE_ID)
    unknown["fields"]["mood"] = "calm"
    add("unknown field", unknown)
    extra = plaintext("visit", CASE_ID)
    extra["extra"] = 1
    add("unknown top-level key", extra)
    add("bad enum", plaintext("visit", CASE_ID, place="garden"))
    add("bad region", plaintext("supervision", None, region="Atlantis"))
    add("date-time without offset", plaintext("visit", CASE_ID, occurred_at="2025-07-03T10:00:00"))
    add(
        "date-time without seconds",
        plaintext("visit", CASE_ID, occurred_at="2025-07-03T10:00+03:00"),
    )
    add(
        "date-time with a space",
        plaintext("visit", CASE_ID, occurred_at="2025-07-03 10:00:00+03:00"),
    )
    add(
        "offset without colon",
        plaintext("accompaniment", CASE_ID, next_hearing_at="2025-09-01T09:00:00+0300"),
    )
    add(
        "impossible date-time", plaintext("visit", CASE_ID, occurred_at="2025-02-30T10:00:00+03:00")
    )
    add("impossible date", plaintext("referral", CASE_ID, follow_up_on="2025-13-01"))
    add("notes too long", plaintext("visit", CASE_ID, notes="x" * (NOTES_MAX + 1)))
    add("valid notes at the limit", plaintext("visit", CASE_ID, notes="x" * NOTES_MAX))
    add("blank required text", plaintext("visit", CASE_ID, purpose=" \t "))
    add("count as text", plaintext("training", None, participants_female="3"))
    add("count as boolean", plaintext("training", None, participants_male=True))
    add("count too large", plaintext("supervision", None, participants=1001))
    add("case on a caseless type", plaintext("training", CASE_ID))
    add("intake with a code", plaintext("case_intake", "MD-2025-0001"))
    add("case not a reference", plaintext("visit", "case 14"))
    add("revises not a uuid", plaintext("visit", CASE_ID, revises="MD-2025-0001"))
    add("choices repeated", plaintext("case_intake", exploitation=["begging", "begging"]))
    add("override not a level", plaintext("risk_assessment", CASE_ID, override_level="extreme"))
    add("answer key malformed", plaintext("risk_assessment", CASE_ID, answers={"Q 1": "yes"}))
    add("fields not an object", {**plaintext("visit", CASE_ID), "fields": []})
    return items


@pytest.mark.parametrize(
    ("label", "entry_type", "entry"), examples(), ids=[e[0] for e in examples()]
)
def test_the_server_agrees_with_the_published_schema(
    schemas: dict, label: str, entry_type: str, entry: dict
) -> None:
    reference = Draft202012Validator(schemas[entry_type], format_checker=reference_format_checker())
    published_says_valid = reference.is_valid(entry)
    try:
        validate_plaintext(entry)
        server_says_valid = True
    except PlaintextError as error:
        assert error.code == "schema_violation"
        server_says_valid = False
    assert server_says_valid == published_says_valid, label
    assert server_says_valid == label.startswith("valid"), label
