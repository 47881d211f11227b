"""Cases: opened by an intake entry, given a pseudonymous code, assigned, closed."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.query.functions.aggregate import Max

from server.accounts.tables import User
from server.cases.tables import Case
from server.core.identity import CurrentUser
from server.entries.access import visible_cases, visible_entries
from server.entries.categories import CLOSE_REASON
from server.entries.tables import Entry


class CaseError(ValueError):
    pass


# The PostgreSQL advisory lock that makes intakes take case codes one at a time
# ("ALNGCODE" in ASCII, as a bigint).
CODE_LOCK = 0x414C4E47434F4445


async def assign_new_code(country: str, occurred_at: str) -> str:
    """The next free code of the country and year, e.g. MD-2025-0014. Called in the intake's
    write transaction. On PostgreSQL, intakes arriving together at several processes all
    read the same highest code, and the unique column refused all but one of them five
    times running ("busy") — and the entries about the new case after it in the same batch
    were then refused for good as `unknown_case`. So the transaction first takes an advisory
    lock, held until it ends; SQLite's write transaction is one writer at a time already.
    The unique column still guards the code."""
    engine = engine_finder()
    if isinstance(engine, PostgresEngine):
        await Case.raw("SELECT pg_advisory_xact_lock({})", CODE_LOCK)
    year = datetime.fromisoformat(occurred_at.replace("Z", "+00:00")).year
    prefix = f"{country}-{year}-"
    codes = await Case.select(Case.code).where(Case.code.like(prefix + "%"))
    numbers = [int(row["code"].rsplit("-", 1)[1]) for row in codes if row["code"]]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


async def create_case_from_intake(
    case_id: str, code: str, plaintext: dict, author: CurrentUser, intake_entry_id: str
) -> None:
    fields = plaintext["fields"]
    nrm = fields.get("nrm_referral_on")
    await Case.insert(
        Case(
            id=uuid.UUID(case_id),
            code=code,
            team=author.team_id,
            region=fields.get("region") or "",
            assigned_to=author.id,
            opened_by=author.id,
            status="open",
            opened_at=datetime.fromisoformat(plaintext["occurred_at"].replace("Z", "+00:00")),
            sex=fields.get("sex") or "",
            age_band=fields.get("age_band") or "",
            citizenship=fields.get("citizenship") or "",
            exploitation=json.dumps(fields.get("exploitation") or []),
            identification=fields.get("identification") or "",
            nrm_referral_on=date.fromisoformat(nrm) if nrm else None,
            consent_assistance=fields.get("consent_assistance") or "",
            consent_sharing=fields.get("consent_sharing") or "",
            consent_statistics=fields.get("consent_statistics") or "",
            intake_entry=uuid.UUID(intake_entry_id),
        )
    )


async def team_coordinators(team_id: int | None) -> list[dict]:
    """Who a supervisor may assign cases to: the team's coordinators and shelter staff."""
    if team_id is None:
        return []
    return (
        await User.select(User.id, User.username, User.role)
        .where(
            (User.team == team_id)
            & User.role.is_in(["coordinator", "shelter"])
            & (User.active.eq(True))
        )
        .order_by(User.username)
    )


async def assign_case(case_id: uuid.UUID, assignee_id: int, supervisor: CurrentUser) -> None:
    allowed = {row["id"] for row in await team_coordinators(supervisor.team_id)}
    if assignee_id not in allowed:
        raise CaseError("assignee")
    await Case.update({Case.assigned_to: assignee_id}).where(
        (Case.id == case_id) & (Case.team == supervisor.team_id)
    )


async def close_case(case_id: uuid.UUID, reason: str) -> None:
    if reason not in CLOSE_REASON.codes:
        raise CaseError("reason")
    await Case.update(
        {Case.status: "closed", Case.closed_at: datetime.now(UTC), Case.close_reason: reason}
    ).where((Case.id == case_id) & (Case.status == "open"))


async def reopen_case(case_id: uuid.UUID) -> None:
    await Case.update({Case.status: "open", Case.closed_at: None, Case.close_reason: ""}).where(
        Case.id == case_id
    )


# --- Reading cases for the case pages --------------------------------------------------------

CASE_STATUSES = ("open", "closed")
CASE_LIST_LIMIT = 200
_CODE_SEARCH = re.compile(r"^[A-Z0-9-]{1,32}$")


def normalise_code_search(text: str) -> str | None:
    """A code or the start of one, upper-cased and without spaces ("md-2025" → "MD-2025");
    "" for no search, None when it cannot be part of a code."""
    cleaned = "".join(text.split()).upper()
    if not cleaned:
        return ""
    return cleaned if _CODE_SEARCH.match(cleaned) else None


async def case_list(
    user: CurrentUser,
    *,
    status: str = "open",
    region: str = "",
    assignee_id: int | None = None,
    code_search: str = "",
    limit: int = CASE_LIST_LIMIT,
) -> list[dict]:
    """The cases the user may see (access rules from entries.access), newest first.
    `status` is open, closed or all; `code_search` is an exact code or its beginning."""
    query = visible_cases(
        user,
        Case.select(
            Case.id,
            Case.code,
            Case.region,
            Case.age_band,
            Case.status,
            Case.opened_at,
            Case.assigned_to,
            Case.assigned_to.username,
        ),
    )
    if query is None:
        return []
    if status in CASE_STATUSES:
        query = query.where(Case.status == status)
    if region:
        query = query.where(Case.region == region)
    if assignee_id is not None:
        query = query.where(Case.assigned_to == assignee_id)
    if code_search:
        # Only letters, digits and dashes get here, so LIKE has no wildcard to escape.
        query = query.where(Case.code.like(code_search + "%"))
    return await query.order_by(Case.opened_at, ascending=False).order_by(Case.code).limit(limit)


# The case page shows this many entries of the timeline at a time, newest first; "Show older
# entries" fetches the next page. A busy case has about a thousand.
TIMELINE_PAGE = 50


class CursorError(ValueError):
    """A `before` cursor that is not one the case page wrote."""


@dataclass(frozen=True)
class TimelinePage:
    rows: list[dict]
    older: str  # the cursor of the next page, "" when this is the last one


def timeline_cursor(row: dict) -> str:
    """Where the next page starts: the last row's moment (UTC, with microseconds) and id.
    Entries often share a moment (a day's entries logged at the same minute), so the id
    breaks the tie: the order is (occurred_at, id), newest first."""
    moment = _moment(row["occurred_at"]).astimezone(UTC)
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}_{row['id']}"


def parse_timeline_cursor(text: str) -> tuple[datetime, uuid.UUID]:
    moment, _sep, entry_id = (text or "").partition("_")
    if not moment.endswith("Z"):
        raise CursorError(text)
    try:
        at = datetime.fromisoformat(moment[:-1])
        parsed_id = uuid.UUID(entry_id)
    except ValueError as error:
        raise CursorError(text) from error
    if at.tzinfo is not None:  # "Z" and an offset besides
        raise CursorError(text)
    return at.replace(tzinfo=UTC), parsed_id


async def case_timeline(
    user: CurrentUser,
    case_id: uuid.UUID,
    *,
    before: str | None = None,
    size: int = TIMELINE_PAGE,
) -> TimelinePage:
    """One page of the entries of a case that the user may see, newest first (metadata
    only): the first page, or the page after the cursor `before` (CursorError when it is
    not one). One row more than the page is read to know whether there is another."""
    query = visible_entries(
        user,
        Entry.select(
            Entry.id,
            Entry.type,
            Entry.status,
            Entry.occurred_at,
            Entry.revises,
            Entry.author.username,
        ).where(Entry.case == case_id),
    )
    after = None if before is None else parse_timeline_cursor(before)
    if query is None:
        return TimelinePage([], "")
    if after is not None:
        at, entry_id = after
        query = query.where(
            (Entry.occurred_at < at) | ((Entry.occurred_at == at) & (Entry.id < entry_id))
        )
    rows = await query.order_by(Entry.occurred_at, Entry.id, ascending=False).limit(size + 1)
    if len(rows) <= size:
        return TimelinePage(rows, "")
    rows = rows[:size]
    return TimelinePage(rows, timeline_cursor(rows[-1]))


async def intake_visible(user: CurrentUser, case: dict) -> bool:
    """Whether the user may open the case's intake (and so its sealed identity): the intake
    is an entry of this case that the access rules let them see. Asked on its own, since
    the timeline shows only its newest entries."""
    intake = case.get("intake_entry")
    if not intake:
        return False
    query = visible_entries(
        user,
        Entry.select(Entry.id).where((Entry.id == intake) & (Entry.case == case["id"])),
    )
    return query is not None and await query.first() is not None


def may_assign(user: CurrentUser, case: dict) -> bool:
    """Only a supervisor of the case's team assigns it."""
    return user.is_supervisor and user.team_id is not None and case.get("team") == user.team_id


def may_close(user: CurrentUser, case: dict) -> bool:
    """The supervisor of the case's team, or the person the case is assigned to."""
    return may_assign(user, case) or (user.does_field_work and case.get("assigned_to") == user.id)


# --- Telling cases apart without identity ----------------------------------------------------


def last_contacts_query(case_ids: list):
    """The latest `occurred_at` of each of the cases' entries, a row per case."""
    return (
        Entry.select(Entry.case, Max(Entry.occurred_at, alias="latest"))
        .where(Entry.case.is_in(list(case_ids)))
        .group_by(Entry.case)
    )


async def last_contacts(case_ids: list) -> dict[str, datetime]:
    """The date of the latest entry of each case (a visit, an accompaniment, …): when the
    person was last seen to. Dates are clear metadata already. One row per case, computed
    by the database: a list of 200 cases with years of entries reads 200 rows, not all of
    their entries."""
    if not case_ids:
        return {}
    rows = await last_contacts_query(case_ids)
    return {str(row["case"]): _moment(row["latest"]) for row in rows if row["latest"]}


def _moment(value: datetime | str) -> datetime:
    """SQLite hands an aggregate of a timestamp back as the stored text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def described_cases(user: CurrentUser, cases: list[dict], *, online: bool) -> list[dict]:
    """Cases with what tells them apart without identity: the age band's name, the last
    contact date and, on pages rendered online only, the user's own sealed label
    (server.cases.labels). Age band, region and dates are categorical clear metadata and may
    sit in offline copies; the label never does, so `online=False` does not even open it."""
    from server.cases.labels import labels_for
    from server.entries.categories import AGE_BAND

    ids = [row["id"] for row in cases]
    contacts = await last_contacts(ids)
    labels = await labels_for(user, ids) if online else {}
    for row in cases:
        key = str(row["id"])
        row["age_band_label"] = AGE_BAND.label(row.get("age_band") or "") or ""
        row["last_contact"] = contacts.get(key)
        row["label"] = labels.get(key, "")
    return cases


async def case_hints(user: CurrentUser, codes: list[str], *, online: bool) -> dict[str, str]:
    """For lists that name cases by code (Upcoming): each code's label (online only), age
    band and region in one short line, for the cases the user may see."""
    codes = sorted({code for code in codes if code})
    query = visible_cases(user, Case.select(Case.id, Case.code, Case.region, Case.age_band))
    if not codes or query is None:
        return {}
    cases = await described_cases(user, await query.where(Case.code.is_in(codes)), online=online)
    return {
        row["code"]: " · ".join(
            part for part in (row["label"], row["age_band_label"], row["region"]) if part
        )
        for row in cases
    }
