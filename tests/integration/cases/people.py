"""Two teams with one person of each role, a case in each team and a visit on each case.

Team North: ana (coordinator, the case is assigned to her), bogdan (coordinator, not
assigned), sara (shelter staff), sofia (supervisor). Team South: petru (coordinator),
victor (supervisor). ada is an admin. Names and notes of the people assisted are sealed;
tests look for them to prove they never leak into clear pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.accounts import make_user
from tests.support.entries import open_case, plaintext, submit

GIVEN_NAME = "Ileana"
FAMILY_NAME = "Vrabie"
PHONE = "+37369111222"
NOTES = "She fears the man who drove her to the border."


@dataclass(frozen=True)
class World:
    users: dict[str, int]
    north_case: str  # case id (UUID)
    north_code: str
    south_case: str
    south_code: str
    north_visit: str  # entry id
    south_visit: str
    north_intake: str


def intake_fields(region: str = "North") -> dict:
    return {
        "given_name": GIVEN_NAME,
        "family_name": FAMILY_NAME,
        "phone": PHONE,
        "region": region,
        "exploitation": ["sexual", "forced_labour"],
        "nrm_referral_on": "2025-07-02",
        "identification": "identified",
        "consent_sharing": "refused",
        "notes": NOTES,
    }


def visit(user_id: int, case: str, occurred_at: str = "2025-07-05T09:30:00+03:00") -> str:
    result = submit(user_id, plaintext("visit", case, occurred_at=occurred_at, notes=NOTES))
    assert result["status"] == "stored", result
    return result["id"]


def build_world() -> World:
    users = {
        "ana": make_user("ana", "coordinator", "Team North", regions=("North",)),
        "bogdan": make_user("bogdan", "coordinator", "Team North", regions=("North",)),
        "sara": make_user("sara", "shelter", "Team North", regions=("North",)),
        "sofia": make_user("sofia", "supervisor", "Team North", regions=("North", "Centre")),
        "petru": make_user("petru", "coordinator", "Team South", regions=("Centre",)),
        "victor": make_user("victor", "supervisor", "Team South", regions=("Centre",)),
        "ada": make_user("ada", "admin", "Administration", regions=()),
    }
    north_case, north_code = open_case(users["ana"], **intake_fields("North"))
    south_case, south_code = open_case(users["petru"], **intake_fields("Centre"))
    return World(
        users=users,
        north_case=north_case,
        north_code=north_code,
        south_case=south_case,
        south_code=south_code,
        north_visit=visit(users["ana"], north_code),
        south_visit=visit(users["petru"], south_code),
        north_intake=_intake_of(north_case),
    )


def _intake_of(case_id: str) -> str:
    from server.cases.tables import Case
    from tests.support.run import run

    row = run(Case.select(Case.intake_entry).where(Case.id == case_id).first())
    return str(row["intake_entry"])
