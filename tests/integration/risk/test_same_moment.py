"""Two assessments of one resident logged for the same moment (two staff members, or a form
saved twice a minute apart and timed alike): the one the server received last is the latest,
on both databases. PostgreSQL returns rows in no set order, and an approved row (an updated
one) moves to the end of its table, so a tie broken by row order picked the older one there
(found by the scenario suite: tests/scenarios)."""

from __future__ import annotations

from server.risk.services import case_standing
from tests.support.accounts import make_user
from tests.support.approvals import current_user, decided
from tests.support.entries import VALID_FIELDS, open_case, plaintext, submit
from tests.support.run import run

SHELTER = "State Shelter Pristina"
AT = "2025-09-05T09:50:00+02:00"
WORRIED = {item: "serious" for item in VALID_FIELDS["risk_assessment"]["answers"]}
WORRIED["legal.proceedings"] = "pressure"


def test_the_assessment_received_last_is_the_latest_when_both_have_one_moment() -> None:
    besa = make_user("besa", "shelter", SHELTER, "XK", ("Prishtinë",))
    drita = make_user("drita", "shelter", SHELTER, "XK", ("Prishtinë",))
    arta = make_user("arta", "supervisor", SHELTER, "XK", ("Prishtinë",))
    case_id, code = open_case(besa, region="Prishtinë")
    first = submit(besa, plaintext("risk_assessment", case_id, occurred_at=AT, answers=WORRIED))
    second = submit(drita, plaintext("risk_assessment", case_id, occurred_at=AT))
    assert first["status"] == second["status"] == "stored"
    decided(arta, first["id"], "approved")  # the first one's row is updated after the second

    standing = run(
        case_standing(current_user(arta), {"id": case_id, "code": code, "opened_at": None})
    )
    assert standing.assessment_id == second["id"]
    assert standing.level == "low"
