"""Clear columns hold categories, counts and dates only: never a field a person types into."""

from __future__ import annotations

from server.entries.definitions import ENTRY_TYPES

FREE_TEXT = {"text", "textarea", "answers", "cases"}


def test_no_free_text_field_is_clear():
    leaking = [
        f"{entry_type.key}.{field.key}"
        for entry_type in ENTRY_TYPES.values()
        for field in entry_type.clear_fields
        if field.kind in FREE_TEXT
    ]
    assert leaking == []


def test_identity_fields_are_sealed():
    intake = ENTRY_TYPES["case_intake"]
    for key in ("given_name", "family_name", "phone", "address", "notes"):
        assert not intake.field(key).clear
