"""Deadlines: what someone must do by a date, worked out from entries and schedules.

Each deadline belongs to the one person who must act, and carries a date or a time, a kind,
a case code at most and a link — never a name or case content. It has a stable `key` (kind,
what it is about, and its date): a changed date is a new deadline, and a reminder already
sent for the old one is not sent again for it.

Kinds, who must act, and when a deadline is *closed* (the work it asks for is done):

* `hearing` — a scheduled hearing: the `next_hearing_at` of the latest version of an
  accompaniment or a `hearing_update` (which moves a hearing: the new date is a new hearing,
  scheduled by the update). For the coordinator the case is assigned to (the entry's author
  when the case has nobody). A hearing is a fact of the world, not of the approval: a
  returned scheduling entry keeps its hearing open and reminded while it is corrected, and a
  corrected version's date replaces the old one. Closed only by, of the same case (each
  record read in the latest version of its own chain, whatever its status):
  - an accompaniment whose `fields.hearing` names it (the record of that hearing);
  - a `hearing_update` that names it: moved or cancelled, its reminders stop;
  - legacy, from phones older than `fields.hearing` (the key absent): an accompaniment that
    took place after the scheduling entry's `occurred_at` and no earlier than
    `LEGACY_RECORD_WINDOW` (three hours) before the hearing.
  An accompaniment with `fields.hearing` null records no scheduled hearing and closes
  nothing; nor does the record of another hearing of the same case. An accompaniment logged
  before the hearing was scheduled (the police in the morning, the court hearing it set for
  the afternoon) can never be its record.
* `follow_up` — a referral's `follow_up_on` (its latest version, returned or not: the
  referral was made), for the same person. Closed when a later version of the same referral
  (its `revises` chain) says the service was received or declined: until the outcome is
  known the follow-up is due. An accepted referral is still followed up (accepted is not
  received), and another referral of the case — perhaps to another service — closes nothing.
* `reassessment` — the next reassessment of a resident, as `server.risk.services` computes it
  (level, triggers, hearings ahead), for the shelter staff member who made the latest
  assessment (else the one the case is assigned to, else whoever opened it). Closed by a new
  assessment, which moves the date: the old deadline is gone.
* `safety_plan` — each action of the latest assessment's safety plan that has a due date,
  for the same person. Closed by a new assessment, which brings a new plan.
* `report_due` — each coordinator's monthly report: the team's schedule
  (`ReportDueDate`, edited by an admin), else the 1st of the following month. Due on the
  day itself, and overdue after it (shown for a month behind, like every deadline). Closed
  when the report is submitted or approved (`server/reports`); a returned report is due
  again.
* `approvals_overdue` — for a supervisor, when entries have waited for a decision longer
  than `APPROVAL_WAIT_DAYS`: one deadline, about the oldest of them. Closed when none has.
* `correction_due` — a returned entry not yet corrected, for its author, due
  `CORRECTION_DAYS` after it was returned. Closed by the correction (a later version of its
  chain); a correction that is returned in turn is due again, on its own key.

Only the latest version of an entry sets a deadline (a corrected date replaces the old
one). A returned version still sets its hearing or follow-up (the world does not wait for
the approval); it is also a `correction_due` for its author. A returned assessment sets no
reassessment: the one before it stands until the correction arrives.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from piccolo.columns.combination import Or

from server.accounts.tables import Team, User
from server.approvals.counting import latest_version_condition
from server.approvals.services import returned_to, waiting_count, waiting_entries
from server.cases.tables import Case
from server.core.identity import CurrentUser
from server.deadlines.tables import ReminderSettings, ReportDueDate
from server.entries.access import visible_entries
from server.entries.tables import Entry, details_of
from server.reports.tables import MonthlyReport
from server.risk.services import board, zone_name

APPROVAL_WAIT_DAYS = 3
CORRECTION_DAYS = 2
# Legacy rule (accompaniments from phones that do not name the hearing they record): one that
# took place this long before the hearing may still be its record. Three hours allow for
# meeting the person and travelling to the court, and for a record timed when the
# accompaniment began; they leave out a morning visit to the police before an afternoon
# hearing (a closing that would silence the hearing's reminders is the costlier mistake).
LEGACY_RECORD_WINDOW = timedelta(hours=3)
# The hearings a capture form offers to record, move or cancel: any still open from a month
# behind, however far ahead.
OFFERED_AHEAD = timedelta(days=365 * 20)
# A referral's outcome: once known, there is nothing left to follow up.
FOLLOW_UP_OUTCOMES = ("received", "declined")
# What the Upcoming page and the scheduler look at: two weeks ahead, a month behind.
AHEAD = timedelta(days=15)
BEHIND = timedelta(days=30)
# The Moldova team's schedule from the contract: the month each report covers → its due day.
MOLDOVA_REPORT_SCHEDULE = {
    "2025-06": date(2025, 7, 1),
    "2025-07": date(2025, 8, 1),
    "2025-08": date(2025, 9, 1),
    "2025-09": date(2025, 10, 1),
    "2025-10": date(2025, 11, 1),
    "2025-11": date(2025, 12, 1),
    "2025-12": date(2026, 1, 1),
    "2026-01": date(2026, 1, 31),
}


@dataclass(frozen=True)
class Deadline:
    key: str
    kind: str
    user_id: int
    url: str
    due_at: datetime | None = None  # a moment (hearings)
    due_on: date | None = None  # a day (everything else)
    case_code: str = ""
    count: int = 0
    # What it is about, where forms need it: the root of the entry that scheduled a hearing.
    about: str = ""

    def day(self, zone: ZoneInfo) -> date:
        return self.due_at.astimezone(zone).date() if self.due_at else self.due_on  # type: ignore[return-value]

    def overdue(self, now: datetime, zone: ZoneInfo) -> bool:
        if self.kind in ("approvals_overdue", "correction_due"):
            return self.due_on is not None and self.due_on < now.astimezone(zone).date()
        if self.due_at is not None:
            return self.due_at <= now
        return self.due_on is not None and self.due_on < now.astimezone(zone).date()


def _responsible(user: CurrentUser):
    """Hearings and follow-ups belong to the case's coordinator, or to the entry's author
    when nobody is assigned to the case."""
    return Or(
        Entry.case.assigned_to == user.id,
        Entry.case.assigned_to.is_null() & (Entry.author == user.id),
    )


SCHEDULING_TYPES = ("accompaniment", "hearing_update")


async def _dated_entries(user: CurrentUser, entry_types: tuple[str, ...], condition) -> list[dict]:
    """The latest version of each chain of these types (returned or not) that the user may
    see and `condition` picks."""
    query = visible_entries(
        user,
        Entry.select(
            Entry.id,
            Entry.root,
            Entry.case,
            Entry.case.code,
            Entry.occurred_at,
            Entry.due_at,
            Entry.due_on,
            Entry.details,
        ).where(Entry.type.is_in(list(entry_types)) & latest_version_condition() & condition),
    )
    return [] if query is None else await query.limit(500)


def closes_hearing(record: dict, hearing: dict) -> bool:
    """Whether `record` (an accompaniment or hearing update, the latest version of its chain)
    closes `hearing` (the latest version of the entry that scheduled it). Both are rows with
    `root`, `case`, `occurred_at` and `details`; the hearing also has `due_at`, the record
    its `type`. The rule is the module's docstring."""
    if record["case"] != hearing["case"] or str(record["root"]) == str(hearing["root"]):
        return False
    details = details_of(record.get("details"))
    if record["type"] == "hearing_update":
        return details.get("hearing") == str(hearing["root"])
    if "hearing" in details:
        return details["hearing"] is not None and details["hearing"] == str(hearing["root"])
    # Legacy: the phone did not say which hearing this records.
    return (
        record["occurred_at"] > hearing["occurred_at"]
        and record["occurred_at"] >= hearing["due_at"] - LEGACY_RECORD_WINDOW
    )


async def _hearing_records(case_ids: list) -> list[dict]:
    """What may close a hearing of these cases: the latest version of each accompaniment and
    hearing update of the cases."""
    if not case_ids:
        return []
    return await Entry.select(
        Entry.case, Entry.root, Entry.type, Entry.occurred_at, Entry.details
    ).where(
        Entry.case.is_in(case_ids)
        & Entry.type.is_in(list(SCHEDULING_TYPES))
        & latest_version_condition()
    )


async def _open_hearings(
    user: CurrentUser, now: datetime, condition, ahead: timedelta = AHEAD
) -> list[Deadline]:
    rows = await _dated_entries(
        user,
        SCHEDULING_TYPES,
        Entry.due_at.is_not_null()
        & (Entry.due_at >= now - BEHIND)
        & (Entry.due_at <= now + ahead)
        & condition,
    )
    records = await _hearing_records(list({row["case"] for row in rows}))
    return [
        Deadline(
            key=f"hearing:{row['root']}:{row['due_at'].astimezone(UTC):%Y%m%dT%H%M}",
            kind="hearing",
            user_id=user.id,
            url=f"/cases/{row['case.code']}",
            due_at=row["due_at"],
            case_code=row["case.code"] or "",
            about=str(row["root"]),
        )
        for row in rows
        if not any(closes_hearing(record, row) for record in records)
    ]


async def hearings(user: CurrentUser, now: datetime) -> list[Deadline]:
    return await _open_hearings(user, now, _responsible(user))


async def offered_hearings(user: CurrentUser, now: datetime | None = None) -> list[dict]:
    """The open hearings of the cases this user may see, for the capture forms that record,
    move or cancel one: the scheduling entry's root, the case code and the time — nothing
    else, since the offline copy of a form keeps it on the phone."""
    now = now or datetime.now(UTC)
    found = await _open_hearings(user, now, Entry.case.status == "open", ahead=OFFERED_AHEAD)
    found.sort(key=lambda d: (d.case_code, d.due_at))
    return [
        {"id": d.about, "case": d.case_code, "at": d.due_at.astimezone(UTC).isoformat()}  # type: ignore[union-attr]
        for d in found
    ]


async def follow_ups(user: CurrentUser, now: datetime) -> list[Deadline]:
    zone = ZoneInfo(zone_name(user))
    today = now.astimezone(zone).date()
    rows = await _dated_entries(
        user,
        ("referral",),
        Entry.due_on.is_not_null()
        & (Entry.due_on >= today - BEHIND)
        & (Entry.due_on <= today + AHEAD)
        & _responsible(user),
    )
    return [
        Deadline(
            key=f"follow_up:{row['root']}:{row['due_on']:%Y%m%d}",
            kind="follow_up",
            user_id=user.id,
            url=f"/cases/{row['case.code']}",
            due_on=row["due_on"],
            case_code=row["case.code"] or "",
        )
        for row in rows
        if details_of(row.get("details")).get("status") not in FOLLOW_UP_OUTCOMES
    ]


async def reassessments(user: CurrentUser, now: datetime) -> list[Deadline]:
    """Reassessments, and the actions of the latest assessment's safety plan that have a due
    date (a new assessment brings a new plan: the old plan's actions are closed with it)."""
    if user.role != "shelter":
        return []
    zone = ZoneInfo(zone_name(user))
    today = now.astimezone(zone).date()
    rows = await board(user, today)
    assessment_ids = [uuid.UUID(r.standing.assessment_id) for r in rows if r.standing.assessment_id]
    assessments = (
        {
            str(row["id"]): row
            for row in await Entry.select(Entry.id, Entry.author, Entry.details).where(
                Entry.id.is_in(assessment_ids)
            )
        }
        if assessment_ids
        else {}
    )
    cases = (
        {
            row["id"]: row
            for row in await Case.select(Case.id, Case.assigned_to, Case.opened_by).where(
                Case.id.is_in([r.standing.case_id for r in rows])
            )
        }
        if rows
        else {}
    )
    found = []
    for row in rows:
        standing = row.standing
        case = cases.get(standing.case_id) or {}
        assessment = assessments.get(standing.assessment_id or "") or {}
        owner = assessment.get("author") or case.get("assigned_to") or case.get("opened_by")
        if owner != user.id:
            continue
        if today - BEHIND <= standing.next_due <= today + AHEAD:
            found.append(
                Deadline(
                    key=f"reassessment:{standing.case_id}:{standing.next_due:%Y%m%d}",
                    kind="reassessment",
                    user_id=user.id,
                    url="/risk/board",
                    due_on=standing.next_due,
                    case_code=standing.code,
                )
            )
        for text in details_of(assessment.get("details")).get("safety_plan_due") or []:
            try:
                due_on = date.fromisoformat(text)
            except (TypeError, ValueError):
                continue
            if today - BEHIND <= due_on <= today + AHEAD:
                found.append(
                    Deadline(
                        key=f"safety_plan:{standing.assessment_id}:{due_on:%Y%m%d}",
                        kind="safety_plan",
                        user_id=user.id,
                        url=f"/cases/{standing.code}",
                        due_on=due_on,
                        case_code=standing.code,
                    )
                )
    return found


def _next_month(period: str) -> date:
    year, month = (int(part) for part in period.split("-"))
    return date(year + month // 12, month % 12 + 1, 1)


def _period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


async def report_schedule(team_id: int, periods: list[str]) -> dict[str, date]:
    """Due date of each period's monthly report: the team's schedule, else the 1st of the
    following month."""
    rows = (
        await ReportDueDate.select(ReportDueDate.period, ReportDueDate.due_on).where(
            (ReportDueDate.team == team_id) & ReportDueDate.period.is_in(periods)
        )
        if periods
        else []
    )
    set_dates = {row["period"]: row["due_on"] for row in rows}
    return {period: set_dates.get(period) or _next_month(period) for period in periods}


async def reports(user: CurrentUser, now: datetime) -> list[Deadline]:
    if user.role != "coordinator" or user.team_id is None:
        return []
    today = now.astimezone(ZoneInfo(zone_name(user))).date()
    # The month just over, this month and the next: any of them may fall due in two weeks
    # (a schedule may also set a day inside the month, as 31 January for January).
    first = today.replace(day=1)
    periods = [
        _period_of(first - timedelta(days=1)),
        _period_of(first),
        _period_of(_next_month(_period_of(first))),
    ]
    handed_in = {
        row["month"]
        for row in await MonthlyReport.select(MonthlyReport.month).where(
            (MonthlyReport.author == user.id)
            & MonthlyReport.month.is_in(periods)
            & MonthlyReport.status.is_in(["submitted", "approved"])
        )
    }
    found = []
    for period, due_on in (await report_schedule(user.team_id, periods)).items():
        if period in handed_in:
            continue
        if today - BEHIND <= due_on <= today + AHEAD:
            found.append(
                Deadline(
                    key=f"report_due:{user.id}:{period}",
                    kind="report_due",
                    user_id=user.id,
                    url="/upcoming",
                    due_on=due_on,
                )
            )
    return found


async def approvals_overdue(user: CurrentUser, now: datetime) -> list[Deadline]:
    if user.role != "supervisor":
        return []
    zone = ZoneInfo(zone_name(user))
    limit = now - timedelta(days=APPROVAL_WAIT_DAYS)
    # The queue is oldest first; its page holds QUEUE_LIMIT entries, so the late ones are
    # counted by the database.
    oldest_waiting = await waiting_entries(user, now=now, limit=1)
    if not oldest_waiting or oldest_waiting[0]["received_at"] > limit:
        return []
    oldest = oldest_waiting[0]
    return [
        Deadline(
            key=f"approvals_overdue:{user.id}:{oldest['id']}",
            kind="approvals_overdue",
            user_id=user.id,
            url="/approvals",
            due_on=(oldest["received_at"] + timedelta(days=APPROVAL_WAIT_DAYS))
            .astimezone(zone)
            .date(),
            count=await waiting_count(user, received_by=limit),
        )
    ]


async def corrections(user: CurrentUser, now: datetime) -> list[Deadline]:
    if not user.does_field_work:
        return []
    zone = ZoneInfo(zone_name(user))
    found = []
    for row in await returned_to(user):
        decided = (row.get("decision") or {}).get("decided_at") or row["received_at"]
        found.append(
            Deadline(
                key=f"correction_due:{row['id']}",
                kind="correction_due",
                user_id=user.id,
                url=f"/entries/{row['id']}",
                due_on=(decided + timedelta(days=CORRECTION_DAYS)).astimezone(zone).date(),
                case_code=row.get("case.code") or "",
            )
        )
    return found


async def deadlines_for(user: CurrentUser, now: datetime | None = None) -> list[Deadline]:
    """The user's open deadlines from a month behind to two weeks ahead, soonest first."""
    now = now or datetime.now(UTC)
    if user.role not in ("coordinator", "shelter", "supervisor"):
        return []
    found: list[Deadline] = []
    for source in (hearings, follow_ups, reassessments, reports, approvals_overdue, corrections):
        found.extend(await source(user, now))
    zone = ZoneInfo(zone_name(user))
    found.sort(key=lambda d: (sort_moment(d, zone), d.kind, d.case_code))
    return found


def sort_moment(deadline: Deadline, zone: ZoneInfo) -> datetime:
    if deadline.due_at is not None:
        return deadline.due_at
    return datetime.combine(deadline.due_on, time(0), zone)  # type: ignore[arg-type]


# --- The Upcoming page --------------------------------------------------------------------

GROUPS = ("overdue", "today", "this_week", "next_two_weeks")


def grouped(deadlines: list[Deadline], now: datetime, zone: ZoneInfo) -> dict[str, list]:
    """Overdue; today; the rest of the next 7 days; the 7 days after that."""
    today = now.astimezone(zone).date()
    groups: dict[str, list[Deadline]] = {name: [] for name in GROUPS}
    for deadline in deadlines:
        day = deadline.day(zone)
        if deadline.overdue(now, zone):
            groups["overdue"].append(deadline)
        elif day <= today:
            groups["today"].append(deadline)
        elif day < today + timedelta(days=7):
            groups["this_week"].append(deadline)
        elif day <= today + timedelta(days=14):
            groups["next_two_weeks"].append(deadline)
    return groups


# --- Report schedule (admin) --------------------------------------------------------------


def parse_period(text: str) -> str | None:
    try:
        year, month = (int(part) for part in text.split("-"))
    except (ValueError, AttributeError):
        return None
    if len(text) != 7 or not 2000 <= year <= 2100 or not 1 <= month <= 12:
        return None
    return f"{year:04d}-{month:02d}"


async def set_report_due(team_id: int, period: str, due_on: date | None) -> None:
    """Set (or, with None, clear back to the default) a team's due date for one month."""
    key = f"{team_id}:{period}"
    await ReportDueDate.delete().where(ReportDueDate.key == key)
    if due_on is not None:
        await ReportDueDate.insert(
            ReportDueDate(key=key, team=team_id, period=period, due_on=due_on)
        )


async def team_schedule(team_id: int) -> list[dict]:
    return await (
        ReportDueDate.select(ReportDueDate.period, ReportDueDate.due_on)
        .where(ReportDueDate.team == team_id)
        .order_by(ReportDueDate.period)
    )


async def seed_moldova_schedule(team_name: str) -> None:
    """The contract's dates for the Moldova demo team (only where none is set yet)."""
    team = await Team.select(Team.id).where(Team.name == team_name).first()
    if team is None:
        return
    for period, due_on in MOLDOVA_REPORT_SCHEDULE.items():
        if not await ReportDueDate.exists().where(ReportDueDate.key == f"{team['id']}:{period}"):
            await set_report_due(team["id"], period, due_on)


# --- A user's reminder settings -----------------------------------------------------------

LEADS = ("hearing_evening", "hearing_two_hours", "morning", "report_three_days", "report_one_day")


@dataclass(frozen=True)
class Preferences:
    leads_off: frozenset[str] = frozenset()
    quiet_from: time | None = None
    quiet_until: time | None = None

    def quiet(self, local: datetime) -> bool:
        """Whether this local moment is in the quiet hours (which may span midnight)."""
        start, end = self.quiet_from, self.quiet_until
        if start is None or end is None or start == end:
            return False
        now = local.time().replace(tzinfo=None)
        if start < end:
            return start <= now < end
        return now >= start or now < end


def parse_clock(text: str) -> time | None:
    try:
        hours, minutes = (int(part) for part in text.split(":"))
        if len(text) != 5:
            return None
        return time(hours, minutes)
    except (ValueError, AttributeError):
        return None


async def preferences(user_id: int) -> Preferences:
    row = await ReminderSettings.select().where(ReminderSettings.user == user_id).first()
    if row is None:
        return Preferences()
    leads_off = row["leads_off"]
    if isinstance(leads_off, str):
        leads_off = json.loads(leads_off or "[]")
    return Preferences(
        frozenset(lead for lead in leads_off if lead in LEADS),
        parse_clock(row["quiet_from"]),
        parse_clock(row["quiet_until"]),
    )


async def save_preferences(user_id: int, preferences: Preferences) -> None:
    values = {
        ReminderSettings.leads_off: json.dumps(sorted(preferences.leads_off)),
        ReminderSettings.quiet_from: preferences.quiet_from.strftime("%H:%M")
        if preferences.quiet_from
        else "",
        ReminderSettings.quiet_until: preferences.quiet_until.strftime("%H:%M")
        if preferences.quiet_until
        else "",
    }
    if await ReminderSettings.exists().where(ReminderSettings.user == user_id):
        await ReminderSettings.update(values).where(ReminderSettings.user == user_id)
    else:
        await ReminderSettings.insert(
            ReminderSettings(user=user_id, **{c._meta.name: v for c, v in values.items()})
        )


async def reminded_users() -> list[int]:
    """Everyone who may have deadlines: active coordinators, shelter staff, supervisors."""
    rows = await User.select(User.id).where(
        (User.active == True) & User.role.is_in(["coordinator", "shelter", "supervisor"])  # noqa: E712
    )
    return [row["id"] for row in rows]


__all__ = ["Deadline", "deadlines_for", "grouped"]
