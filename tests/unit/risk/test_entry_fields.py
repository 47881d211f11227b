"""The risk fields of the entry schema: the safety plan's shape, the trigger on a visit and
the quick `risk_trigger` entry, and what of them is kept in clear columns."""

from __future__ import annotations

import pytest

from server.entries.definitions import PlaintextError, validate_plaintext
from server.risk.scoring import risk_columns
from tests.support.entries import plaintext

CASE = "XK-2026-0001"


def test_a_safety_plan_of_actions_is_valid() -> None:
    entry = plaintext(
        "risk_assessment",
        CASE,
        safety_plan=[
            {"action": "Check in daily", "owner": "Besa", "due_on": "2026-12-01"},
            {"action": "Keep the phone at night", "owner": None, "due_on": None},
            {"action": "Talk to the lawyer"},
        ],
    )
    assert validate_plaintext(entry) is entry
    columns = risk_columns(entry)
    assert columns["details"]["safety_plan_due"] == ["2026-12-01"]
    assert "Check in daily" not in repr(columns)


@pytest.mark.parametrize(
    "plan",
    [
        [{"owner": "Besa"}],
        [{"action": "  "}],
        [{"action": "x" * 501}],
        [{"action": "Check", "due_on": "01/12/2026"}],
        [{"action": "Check", "name": "SECRET"}],
        [{"action": "Check"}] * 31,
        "Check in daily",
    ],
    ids=["no action", "blank action", "too long", "date", "unknown key", "too many", "text"],
)
def test_a_malformed_safety_plan_is_refused(plan: object) -> None:
    with pytest.raises(PlaintextError) as raised:
        validate_plaintext(plaintext("risk_assessment", CASE, safety_plan=plan))
    assert raised.value.code == "schema_violation"
    # An optional field's message names the field (the schema's anyOf hides the detail).
    assert raised.value.message.startswith("fields.safety_plan:")
    assert "SECRET" not in raised.value.message


def test_a_trigger_is_a_choice_on_a_visit_and_required_on_its_own_entry() -> None:
    assert validate_plaintext(plaintext("visit", CASE, trigger="left_shelter"))
    assert validate_plaintext(plaintext("visit", CASE, trigger=None))
    with pytest.raises(PlaintextError):
        validate_plaintext(plaintext("visit", CASE, trigger="rain"))
    with pytest.raises(PlaintextError) as raised:
        validate_plaintext(plaintext("risk_trigger", CASE, trigger=None))
    assert "trigger" in raised.value.message
    entry = plaintext("risk_trigger", CASE, occurred_at="2026-11-23T23:30:00+01:00")
    # Due on the day it happened where it happened, not the UTC day.
    assert str(risk_columns(entry)["due_on"]) == "2026-11-23"
    assert risk_columns(plaintext("visit", CASE)) == {}
