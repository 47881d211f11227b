"""The home page: what each role needs first when they open Alongside."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from litestar import Request, Router, get
from litestar.response import Template

from server.approvals.services import returned_to, waiting_count, waiting_entries
from server.cases.services import case_hints, described_cases
from server.cases.tables import Case
from server.core.guards import signed_in
from server.core.identity import CurrentUser
from server.core.templating import is_offline_copy, render
from server.deadlines.presentation import hearing_places
from server.entries.access import visible_cases, visible_entries
from server.entries.definitions import ENTRY_TYPES
from server.entries.tables import Entry
from server.risk.services import zone_name

SHOWN = 10


async def open_cases(user: CurrentUser, *, online: bool) -> list[dict]:
    """Open cases, newest first, with what tells them apart without identity (the user's own
    label only when the page is rendered online, never in its offline copy)."""
    query = visible_cases(
        user,
        Case.select(Case.id, Case.code, Case.region, Case.age_band, Case.opened_at).where(
            Case.status == "open"
        ),
    )
    if query is None:
        return []
    cases = await query.order_by(Case.opened_at, ascending=False)
    return await described_cases(user, cases, online=online)


async def recent_entries(user: CurrentUser, status: str | None = None) -> list[dict]:
    query = Entry.select(
        Entry.id,
        Entry.type,
        Entry.status,
        Entry.occurred_at,
        Entry.case.code,
        Entry.author.username,
    )
    if user.role == "coordinator":
        query = query.where(Entry.author == user.id)
    if status:
        query = query.where(Entry.status == status)
    query = visible_entries(user, query)
    if query is None:
        return []
    return await query.order_by(Entry.received_at, ascending=False).limit(SHOWN)


async def upcoming_dates(user: CurrentUser, now: datetime | None = None) -> list[dict]:
    """What is due next, soonest first: the user's deadlines that are not overdue yet
    (server.deadlines), as dates, kinds and case codes — all the home page and its offline
    copy show."""
    from server.deadlines.services import deadlines_for

    now = now or datetime.now(UTC)
    zone = ZoneInfo(zone_name(user))
    rows = []
    for deadline in await deadlines_for(user, now):
        if deadline.overdue(now, zone):
            continue
        rows.append(
            {
                "key": deadline.key,
                "kind": deadline.kind,
                "due_at": deadline.due_at,
                "due_on": deadline.due_on,
                "when": deadline.due_at or deadline.due_on,
                "case_code": deadline.case_code,
                "count": deadline.count,
                "url": deadline.url,
            }
        )
    return rows[:SHOWN]


@get("/", name="home", guards=[signed_in])
async def home(request: Request) -> Template:
    user = request.scope["user"]
    context: dict = {"entry_types": ENTRY_TYPES}
    if user.role in ("coordinator", "shelter"):
        context["cases"] = await open_cases(user, online=not is_offline_copy(request))
        context["entries"] = await recent_entries(user)
        context["upcoming"] = await upcoming_dates(user)
        context["case_hints"] = await case_hints(
            user,
            [row["case_code"] or "" for row in context["upcoming"]],
            online=not is_offline_copy(request),
        )
        context["places"] = await hearing_places(row["key"] for row in context["upcoming"])
        context["returned"] = await returned_to(user)
    elif user.role == "supervisor":
        # Only the latest version of each chain waits: the approval queue's own query.
        context["waiting"] = await waiting_entries(user, limit=SHOWN)
        context["waiting_total"] = await waiting_count(user)
        context["cases"] = await open_cases(user, online=not is_offline_copy(request))
    return render(request, f"home/{user.role}.html", context)


router = Router(path="/", route_handlers=[home])
