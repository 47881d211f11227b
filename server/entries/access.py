"""Who sees what — the one place where it is decided.

* coordinators: the cases assigned to them; the entries they wrote and the entries of the
  cases assigned to them (a reassigned case brings its history with it);
* shelter staff: their team's residents and their entries;
* supervisors: their team's cases and entries;
* admins: manage users, teams and devices, and read no case content;
* monthly reports: the coordinator who writes one, and the supervisors of their team
  (`may_read_reports_of`); indicators are aggregates for supervisors and admins.

Anyone else gets None, which routes turn into 404 — never 403, so that nobody learns
whether a case or an entry exists.
"""

from __future__ import annotations

import re
import uuid

from piccolo.columns.combination import Where
from piccolo.query.methods.select import Select

from server.cases.tables import Case
from server.core.identity import CurrentUser
from server.entries.definitions import CASE_REFERENCE, ENTRY_TYPES, EntryType
from server.entries.tables import Entry

_CASE_REFERENCE = re.compile(CASE_REFERENCE)


def case_condition(user: CurrentUser) -> Where | None:
    if user.role == "coordinator":
        return Case.assigned_to == user.id
    if user.role in ("shelter", "supervisor") and user.team_id is not None:
        return Case.team == user.team_id
    return None


def entry_condition(user: CurrentUser) -> Where | None:
    if user.role == "coordinator":
        return (Entry.author == user.id) | (Entry.case.assigned_to == user.id)
    if user.role in ("shelter", "supervisor") and user.team_id is not None:
        return Entry.team == user.team_id
    return None


def visible_cases(user: CurrentUser, query: Select) -> Select | None:
    condition = case_condition(user)
    return None if condition is None else query.where(condition)


def visible_entries(user: CurrentUser, query: Select) -> Select | None:
    condition = entry_condition(user)
    return None if condition is None else query.where(condition)


def case_reference_condition(reference: str) -> Where | None:
    """A case by its UUID or its code; None for anything that is neither."""
    if not isinstance(reference, str) or not _CASE_REFERENCE.match(reference):
        return None
    if "-" in reference and len(reference) == 36:
        return Case.id == str(uuid.UUID(reference))
    return Case.code == reference


async def visible_case(user: CurrentUser, reference: str, *columns) -> dict | None:
    condition = case_condition(user)
    by_reference = case_reference_condition(reference)
    if condition is None or by_reference is None:
        return None
    return await Case.select(*columns).where(condition).where(by_reference).first()


async def visible_entry(user: CurrentUser, entry_id: str, *columns) -> dict | None:
    condition = entry_condition(user)
    try:
        parsed = uuid.UUID(entry_id)
    except (ValueError, TypeError, AttributeError):
        return None
    if condition is None:
        return None
    return await Entry.select(*columns).where(condition).where(Entry.id == parsed).first()


def may_read_reports_of(user: CurrentUser, coordinator: dict) -> bool:
    """A coordinator's monthly reports: theirs, and their team's supervisors'. `coordinator`
    is a user row with `id`, `role` and `team`; anyone else (another coordinator, another
    team's supervisor, an admin) gets a 404."""
    if coordinator.get("role") != "coordinator":
        return False
    if user.role == "coordinator":
        return user.id == coordinator["id"]
    if user.role == "supervisor":
        return user.team_id is not None and user.team_id == coordinator.get("team")
    return False


def entry_types_for(user: CurrentUser | None, case: str | None = None) -> list[EntryType]:
    """The entry types this user logs, by role and by their team's country (Kosovo's shelter
    runs no trainings of social-assistance staff); with `case` ("required", "new", "none"),
    only the types with that relation to a case. Menus, the case page's buttons, the offline
    pages and the server's check of a synced entry all ask here."""
    if user is None:
        return []
    return [
        entry_type
        for entry_type in ENTRY_TYPES.values()
        if entry_type.is_for(user.role, user.country) and (case is None or entry_type.case == case)
    ]
