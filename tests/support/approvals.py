"""A team for approval tests: entries to decide on, and deciding through the real service."""

from __future__ import annotations

from dataclasses import dataclass

from server.accounts.sessions import load_user
from server.accounts.tables import User
from server.approvals.services import decide
from server.entries.tables import Entry
from server.notifications.tables import Notification
from tests.support.accounts import make_user
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run


@dataclass(frozen=True)
class Team:
    users: dict[str, int]
    north_code: str
    centre_code: str
    south_code: str


def build_team() -> Team:
    """Team North: ana and bogdan (coordinators), sara (shelter staff), sofia (supervisor).
    Team South: petru (coordinator), victor (supervisor)."""
    users = {
        "ana": make_user("ana", "coordinator", "Team North", regions=("North",)),
        "bogdan": make_user("bogdan", "coordinator", "Team North", regions=("Centre",)),
        "sofia": make_user("sofia", "supervisor", "Team North", regions=("North", "Centre")),
        "petru": make_user("petru", "coordinator", "Team South", regions=("Centre",)),
        "victor": make_user("victor", "supervisor", "Team South", regions=("Centre",)),
    }
    _case, north_code = open_case(users["ana"], region="North")
    _case, centre_code = open_case(users["bogdan"], region="Centre")
    _case, south_code = open_case(users["petru"], region="Centre")
    # The intakes are approved, so that each test's queue holds only what the test logs.
    for intake in run(Entry.select(Entry.id, Entry.team)):
        supervisor = (
            users["sofia"] if intake["team"] == run(team_of(users["sofia"])) else users["victor"]
        )
        decided(supervisor, str(intake["id"]), "approved")
    run(Notification.delete(force=True))
    return Team(users, north_code, centre_code, south_code)


async def team_of(user_id: int) -> int:
    return (await User.select(User.team).where(User.id == user_id).first())["team"]


def log_visit(user_id: int, case: str, revises: str | None = None, **fields) -> str:
    result = submit(user_id, plaintext("visit", case, revises=revises, **fields))
    assert result["status"] == "stored", result
    return result["id"]


def log_entry(user_id: int, type: str, case: str | None = None, revises: str | None = None) -> str:
    result = submit(user_id, plaintext(type, case, revises=revises))
    assert result["status"] == "stored", result
    return result["id"]


def current_user(user_id: int):
    return run(load_user(user_id))


def decided(supervisor_id: int, entry_id: str, decision: str, comment: str = "") -> None:
    run(decide(current_user(supervisor_id), entry_id, decision, comment))
