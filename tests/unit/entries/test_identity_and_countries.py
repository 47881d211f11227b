"""Which fields say who the person is, and which entry types each country's teams log."""

from __future__ import annotations

from server.core.identity import CurrentUser
from server.entries.access import entry_types_for
from server.entries.definitions import ENTRY_TYPES
from server.entries.presentation import present_fields, withhold_identity


def user(role: str, country: str) -> CurrentUser:
    return CurrentUser(1, "x", role, 1, "Team", country, "en", "Europe/Chisinau")


def test_the_intakes_name_and_contacts_are_its_identity():
    intake = ENTRY_TYPES["case_intake"]
    assert {f.key for f in intake.fields if f.identity} == {
        "given_name",
        "family_name",
        "phone",
        "address",
    }
    assert not any(
        f.identity for key, t in ENTRY_TYPES.items() if key != "case_intake" for f in t.fields
    )


def test_identity_is_withheld_unless_asked_for():
    intake = ENTRY_TYPES["case_intake"]
    fields = {"given_name": "Ileana", "phone": "+373", "notes": "facts", "sex": "female"}
    assert withhold_identity(intake, fields) == {"notes": "facts", "sex": "female"}
    hidden = {f.key: f for f in present_fields(intake, fields)}
    assert hidden["given_name"].withheld and hidden["given_name"].value == ""
    assert hidden["notes"].value == "facts" and not hidden["notes"].withheld
    shown = {f.key: f for f in present_fields(intake, fields, show_identity=True)}
    assert shown["given_name"].value == "Ileana" and not shown["given_name"].withheld


def test_kosovo_teams_do_not_log_trainings_or_supervision_sessions():
    kosovo = {t.key for t in entry_types_for(user("shelter", "XK"))}
    moldova = {t.key for t in entry_types_for(user("coordinator", "MD"))}
    assert moldova == set(ENTRY_TYPES)
    assert kosovo == set(ENTRY_TYPES) - {"training", "supervision"}
    assert entry_types_for(user("supervisor", "MD")) == []
    assert entry_types_for(None) == []
    for_a_case = {t.key for t in entry_types_for(user("coordinator", "MD"), case="required")}
    assert (
        "visit" in for_a_case and "training" not in for_a_case and "case_intake" not in for_a_case
    )
