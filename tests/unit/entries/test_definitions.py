"""The server's validation of decrypted entries, and what of them may sit in clear columns."""

from __future__ import annotations

import copy
import uuid

import pytest

from server.entries.definitions import (
    ENTRY_TYPES,
    NOTES_MAX,
    PlaintextError,
    clear_metadata,
    validate_plaintext,
)
from tests.support.entries import CASELESS_TYPES, ENTRY_TYPE_KEYS, plaintext

SECRET = "MARKER-secret-Qw7Zx"
CASE_ID = "5d0c9a4e-1f2b-4c3d-9e8f-0123456789ab"


def case_for(entry_type: str) -> str | None:
    if entry_type in CASELESS_TYPES:
        return None
    if entry_type == "case_intake":
        return str(uuid.uuid4())
    return CASE_ID


def violation(entry: object) -> PlaintextError:
    with pytest.raises(PlaintextError) as caught:
        validate_plaintext(entry)
    return caught.value


def test_the_helpers_know_every_entry_type() -> None:
    assert set(ENTRY_TYPE_KEYS) == set(ENTRY_TYPES) and len(ENTRY_TYPES) == 11


@pytest.mark.parametrize("entry_type", ENTRY_TYPE_KEYS)
def test_a_complete_entry_of_each_type_is_valid(entry_type: str) -> None:
    entry = plaintext(entry_type, case_for(entry_type), notes="Some notes")
    assert validate_plaintext(copy.deepcopy(entry)) == entry


@pytest.mark.parametrize("entry_type", ENTRY_TYPE_KEYS)
def test_optional_fields_may_be_null_or_left_out(entry_type: str) -> None:
    definition = ENTRY_TYPES[entry_type]
    entry = plaintext(entry_type, case_for(entry_type))
    for item in definition.fields:
        if not item.required:
            entry["fields"][item.key] = None
    validate_plaintext(entry)
    for item in definition.fields:
        if not item.required and item.key != "notes":
            entry["fields"].pop(item.key)
    validate_plaintext(entry)
    del entry["revises"]
    validate_plaintext(entry)


@pytest.mark.parametrize("entry_type", ENTRY_TYPE_KEYS)
@pytest.mark.parametrize("field", ["required", "notes"])
def test_a_missing_required_field_is_a_schema_violation(entry_type: str, field: str) -> None:
    entry = plaintext(entry_type, case_for(entry_type))
    key = (
        "notes"
        if field == "notes"
        else next(f.key for f in ENTRY_TYPES[entry_type].fields if f.required)
    )
    del entry["fields"][key]
    error = violation(entry)
    assert error.code == "schema_violation"
    assert key in error.message


@pytest.mark.parametrize("top", ["type", "case", "occurred_at", "fields"])
def test_the_top_level_keys_are_required(top: str) -> None:
    entry = plaintext("visit", CASE_ID)
    del entry[top]
    assert violation(entry).code in ("schema_violation", "unknown_type")


def test_an_unknown_type_is_refused() -> None:
    entry = plaintext("visit", CASE_ID)
    entry["type"] = "diary"
    assert violation(entry).code == "unknown_type"
    entry["type"] = ["visit"]
    assert violation(entry).code == "unknown_type"


@pytest.mark.parametrize("value", [None, [], "visit", 3])
def test_a_plaintext_must_be_an_object(value: object) -> None:
    assert violation(value).code == "schema_violation"


def invalid_examples() -> list[tuple[str, dict]]:
    """(label, plaintext) pairs that the schema refuses, each carrying SECRET somewhere."""
    examples = []

    entry = plaintext("visit", CASE_ID)
    entry["fields"]["mood"] = SECRET
    examples.append(("unknown field", entry))

    entry = plaintext("visit", CASE_ID)
    entry["extra"] = SECRET
    examples.append(("unknown top-level key", entry))

    entry = plaintext("visit", CASE_ID, place=SECRET)
    examples.append(("bad enum", entry))

    entry = plaintext("case_intake", sex=SECRET, given_name=SECRET)
    examples.append(("bad enum next to a sealed name", entry))

    entry = plaintext("visit", CASE_ID, occurred_at="2025-07-03T10:00:00")
    examples.append(("date-time without offset", entry))

    entry = plaintext("accompaniment", CASE_ID, next_hearing_at="2025-07-10T09:00:00")
    examples.append(("hearing without offset", entry))

    entry = plaintext("visit", CASE_ID, notes=SECRET + "x" * NOTES_MAX)
    examples.append(("notes too long", entry))

    entry = plaintext("case_intake", given_name=SECRET * 20)
    examples.append(("name too long", entry))

    entry = plaintext("visit", CASE_ID, purpose="   ")
    examples.append(("required text only blanks", entry))

    entry = plaintext("training", None, participants_female=-1, topic=SECRET)
    examples.append(("negative count", entry))

    entry = plaintext("training", None, participants_male="12")
    examples.append(("count as a string", entry))

    entry = plaintext("referral", CASE_ID, follow_up_on="2025-02-30", provider=SECRET)
    examples.append(("impossible date", entry))

    entry = plaintext("referral", CASE_ID, identity_shared="yes")
    examples.append(("boolean as a string", entry))

    entry = plaintext("visit", SECRET)
    examples.append(("case neither UUID nor code", entry))

    entry = plaintext("case_intake", "MD-2025-0001")
    examples.append(("intake with a code instead of a new UUID", entry))

    entry = plaintext("training", CASE_ID)
    examples.append(("case on a type without case", entry))

    entry = plaintext("visit", None)
    examples.append(("no case on a type that needs one", entry))

    entry = plaintext("visit", CASE_ID, revises=SECRET)
    examples.append(("revises not a UUID", entry))

    entry = plaintext("systemic_problem", None, linked_cases=[SECRET])
    examples.append(("linked case not a reference", entry))

    entry = plaintext("case_intake", exploitation=["sexual", "sexual"])
    examples.append(("repeated choice", entry))

    entry = plaintext("risk_assessment", CASE_ID, answers={SECRET.lower(): "x" * 65})
    examples.append(("answer too long", entry))

    entry = plaintext("risk_assessment", CASE_ID, answers={"Has Spaces " + SECRET: 1})
    examples.append(("answer key malformed", entry))

    entry = plaintext("visit", CASE_ID, notes=12)
    examples.append(("notes not text", entry))

    entry = plaintext("training", None, region=SECRET)
    examples.append(("unknown region", entry))
    return examples


@pytest.mark.parametrize(
    ("label", "entry"), invalid_examples(), ids=[e[0] for e in invalid_examples()]
)
def test_schema_violations_never_quote_what_was_submitted(label: str, entry: dict) -> None:
    error = violation(entry)
    assert error.code == "schema_violation", label
    assert error.message
    lowered = error.message.lower()
    assert SECRET.lower() not in lowered, error.message
    assert "qw7zx" not in lowered, error.message
    assert "mood" not in error.message and "extra" not in error.message


def test_a_violation_says_where() -> None:
    error = violation(plaintext("visit", CASE_ID, place="garden"))
    assert "fields.place" in error.message
    error = violation(plaintext("visit", CASE_ID, occurred_at="2025-07-03T10:00:00"))
    assert "occurred_at" in error.message


def test_a_field_of_another_entry_type_is_named_but_unknown_keys_are_not() -> None:
    entry = plaintext("visit", CASE_ID)
    entry["fields"]["region"] = "North"
    entry["fields"]["Ion Popescu"] = "x"
    error = violation(entry)
    assert "region" in error.message
    assert "Ion" not in error.message and "Popescu" not in error.message


@pytest.mark.parametrize(
    "value",
    [
        "2025-07-03T10:00:00+03:00",
        "2025-07-03T10:00:00Z",
        "2025-07-03T10:00:00.123+03:00",
        "2025-07-03T10:00:00-05:30",
        "2025-12-31T23:59:59+00:00",
    ],
)
def test_rfc3339_date_times_are_accepted(value: str) -> None:
    validate_plaintext(plaintext("visit", CASE_ID, occurred_at=value))
    validate_plaintext(plaintext("accompaniment", CASE_ID, next_hearing_at=value))


@pytest.mark.parametrize(
    "value",
    [
        "2025-07-03T10:00:00",  # no offset: ambiguous
        "2025-07-03 10:00:00+03:00",  # a space is not RFC 3339's T
        "2025-07-03T10:00+03:00",  # no seconds
        "2025-07-03T10:00:00+0300",  # offset without colon
        "2025-07-03T10:00:00+03",  # offset without minutes
        "2025-07-03T10:00:00,5+03:00",  # comma fraction
        "2025-07-03T1000+03:00",
        "2025-07-03T24:00:00+03:00",
        "2025-02-30T10:00:00+03:00",
        "2025-07-03",
        "2025-07-03T10:00:00+03:00\n",
        "２０２５-07-03T10:00:00+03:00",  # full-width digits
        "2025-07-03t10:00:00z",  # lower case: RFC 3339 tolerates it, the server does not
        "",
    ],
)
def test_other_date_times_are_refused(value: str) -> None:
    error = violation(plaintext("visit", CASE_ID, occurred_at=value))
    assert error.code == "schema_violation"
    assert "occurred_at" in error.message


@pytest.mark.parametrize("value", ["2025-07-03", "2024-02-29"])
def test_dates_are_accepted(value: str) -> None:
    validate_plaintext(plaintext("referral", CASE_ID, follow_up_on=value))


@pytest.mark.parametrize(
    "value", ["2025-7-3", "2025-02-29", "2025-07-03\n", "03.07.2025", "2025-07-03T00:00:00Z"]
)
def test_other_dates_are_refused(value: str) -> None:
    assert violation(plaintext("referral", CASE_ID, follow_up_on=value)).code == "schema_violation"


@pytest.mark.parametrize("case", ["MD-2025-0014", "XK-2025-0003", "MD-2025-12345", CASE_ID])
def test_later_entries_take_a_case_uuid_or_code(case: str) -> None:
    validate_plaintext(plaintext("visit", case))


@pytest.mark.parametrize(
    "case",
    [
        "md-2025-0014",
        "RO-2025-0014",
        "MD-25-0014",
        "MD-2025-014",
        "MD-2025-0014\n",
        CASE_ID + "\n",
        CASE_ID.upper(),
        "5d0c9a4e-1f2b-1c3d-9e8f-0123456789ab",  # not v4
        " " + CASE_ID,
    ],
)
def test_malformed_case_references_are_refused(case: str) -> None:
    assert violation(plaintext("visit", case)).code == "schema_violation"


def test_a_new_case_needs_a_fresh_uuid_without_trailing_newline() -> None:
    assert violation(plaintext("case_intake", str(uuid.uuid4()) + "\n")).code == "schema_violation"
    assert (
        violation(plaintext("visit", CASE_ID, revises=str(uuid.uuid4()) + "\n")).code
        == "schema_violation"
    )


def test_clear_metadata_holds_no_sealed_field() -> None:
    entry = plaintext(
        "case_intake",
        given_name=SECRET,
        family_name=SECRET,
        phone=SECRET,
        address=SECRET,
        notes=SECRET,
        means_of_control=["threats"],
        recruiter_relation="family",
    )
    clear = clear_metadata(validate_plaintext(entry))
    assert SECRET not in repr(clear)
    assert not {"given_name", "family_name", "phone", "address", "notes", "means_of_control"} & set(
        clear
    )
    assert clear["sex"] == "female" and clear["region"] == "North"


@pytest.mark.parametrize("entry_type", ENTRY_TYPE_KEYS)
def test_no_free_text_field_is_ever_clear(entry_type: str) -> None:
    for item in ENTRY_TYPES[entry_type].fields:
        if item.kind in ("text", "textarea", "answers", "cases") and item.key != "instrument":
            assert not item.clear, (entry_type, item.key)
