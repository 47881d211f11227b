"""Where each resident stands: the latest assessment, when the next one is due, the board,
and the history of levels. Plain async functions over clear metadata (and, for the
history's changes, the sealed answers of entries the viewer may open).

When a reassessment is due:
* the latest assessment sets it from its level (stored as `Entry.due_on` when it arrived);
* a trigger recorded after that assessment (a `risk_trigger` entry, or a visit with a
  trigger) makes it due on the trigger's day: at once;
* a hearing ahead (an accompaniment's or a moved hearing's `next_hearing_at`) makes it due
  the instrument's `hearing_within_days` before the hearing, unless an assessment was made
  in that window.
A resident never assessed is due from the day the case was opened.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.cases.tables import Case
from server.core.identity import CurrentUser
from server.entries.access import visible_cases, visible_entries
from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry, details_of
from server.regions.lists import time_zone
from server.risk.instrument import library

# Only assessments that stand count: approved, or waiting for approval. A returned one is
# back with its author.
COUNTED_STATUSES = ("submitted", "approved")
SIGN_OFF_LEVELS = ("high", "critical")


@dataclass(frozen=True)
class Standing:
    """A resident's risk as of now."""

    case_id: uuid.UUID
    code: str
    level: str | None  # None: never assessed
    assessed_at: datetime | None
    next_due: date
    instrument: str | None
    assessment_id: str | None
    status: str | None  # of the latest assessment
    reason: str  # what sets next_due: level, trigger, hearing, admission
    trigger: str | None = None

    def overdue(self, today: date) -> bool:
        return self.next_due < today

    def due_today(self, today: date) -> bool:
        return self.next_due == today

    @property
    def awaiting_sign_off(self) -> bool:
        return self.status == "submitted" and self.level in SIGN_OFF_LEVELS


def _superseded(rows: list[dict]) -> set[str]:
    """Entries corrected by a later entry: the correction stands instead."""
    return {str(row["revises"]) for row in rows if row.get("revises")}


def _standing(case: dict, rows: list[dict], time_zone: str) -> Standing:
    """Work out one case's standing from its entries' metadata (already filtered by access)."""
    superseded = _superseded(rows)
    live = [
        row
        for row in rows
        if str(row["id"]) not in superseded and row["status"] in COUNTED_STATUSES
    ]
    assessments = sorted(
        (row for row in live if row["type"] == "risk_assessment"),
        key=lambda row: row["occurred_at"],
    )
    zone = ZoneInfo(time_zone)
    if not assessments:
        opened = case["opened_at"].astimezone(zone).date()
        return Standing(case["id"], case["code"], None, None, opened, None, None, None, "admission")
    latest = assessments[-1]
    instrument_version = details_of(latest.get("details")).get("instrument")
    instrument = library().get(instrument_version) or library().current()
    next_due: date = latest["due_on"]
    reason, trigger = "level", None
    if next_due is None:
        # Recorded before the instrument existed ("unscored"): it sets no date, so the
        # resident is due for a scored assessment from that day.
        next_due, reason = latest["occurred_at"].astimezone(zone).date(), "unscored"
    for row in live:
        if row["occurred_at"] <= latest["occurred_at"]:
            continue
        kind = details_of(row.get("details")).get("trigger")
        if kind and kind in instrument.trigger_kinds:
            day = row["due_on"] or row["occurred_at"].astimezone(zone).date()
            if day < next_due:
                next_due, reason, trigger = day, "trigger", kind
    window = timedelta(days=instrument.hearing_within_days)
    for row in live:
        hearing = row.get("due_at")
        if row["type"] not in ("accompaniment", "hearing_update") or hearing is None:
            continue
        starts = hearing - window
        # A hearing still ahead of the assessment, whose window the assessment did not fall in.
        if hearing > latest["occurred_at"] and latest["occurred_at"] < starts:
            day = starts.astimezone(zone).date()
            if day < next_due:
                next_due, reason, trigger = day, "hearing", "hearing_soon"
    return Standing(
        case["id"],
        case["code"],
        latest["risk_level"] or None,
        latest["occurred_at"],
        next_due,
        instrument_version,
        str(latest["id"]),
        latest["status"],
        reason,
        trigger,
    )


_ENTRY_COLUMNS = (
    Entry.id,
    Entry.case,
    Entry.type,
    Entry.status,
    Entry.occurred_at,
    Entry.revises,
    Entry.risk_level,
    Entry.due_on,
    Entry.due_at,
    Entry.details,
)
_RISK_TYPES = ("risk_assessment", "risk_trigger", "visit", "accompaniment", "hearing_update")


async def _risk_entries(user: CurrentUser, case_ids: list[uuid.UUID]) -> dict[str, list[dict]]:
    if not case_ids:
        return {}
    query = visible_entries(
        user,
        Entry.select(*_ENTRY_COLUMNS)
        .where(Entry.case.is_in(case_ids) & Entry.type.is_in(list(_RISK_TYPES)))
        # In the order received: sorting by `occurred_at` keeps it, so of two entries of one
        # moment the one received last counts as the later (row order is no order).
        .order_by(Entry.received_at),
    )
    grouped: dict[str, list[dict]] = {str(case_id): [] for case_id in case_ids}
    for row in await query if query is not None else []:
        grouped.setdefault(str(row["case"]), []).append(row)
    return grouped


async def case_standing(user: CurrentUser, case: dict) -> Standing:
    """`case` has id, code and opened_at, and the caller has checked the user may see it."""
    rows = (await _risk_entries(user, [case["id"]])).get(str(case["id"]), [])
    return _standing(case, rows, zone_name(user))


def has_assessment(standing: Standing) -> bool:
    return standing.level is not None


def zone_name(user: CurrentUser) -> str:
    """The user's time zone, or their country's (Europe/Belgrade for XK) when unset."""
    return user.time_zone or time_zone(user.country)


def today_for(user: CurrentUser) -> date:
    return datetime.now(ZoneInfo(zone_name(user))).date()


@dataclass(frozen=True)
class BoardRow:
    standing: Standing
    overdue: bool
    due_today: bool
    days_overdue: int = 0


async def board(user: CurrentUser, today: date | None = None) -> list[BoardRow]:
    """The team's open cases: overdue first (longest overdue first), then the highest level,
    then the nearest due date."""
    query = visible_cases(
        user, Case.select(Case.id, Case.code, Case.opened_at).where(Case.status == "open")
    )
    cases = await query if query is not None else []
    entries = await _risk_entries(user, [case["id"] for case in cases])
    today = today or today_for(user)
    rank = {level: index for index, level in enumerate(library().current().level_ids)}
    rows = []
    for case in cases:
        standing = _standing(case, entries.get(str(case["id"]), []), zone_name(user))
        overdue = standing.overdue(today)
        rows.append(
            BoardRow(
                standing,
                overdue,
                standing.due_today(today),
                (today - standing.next_due).days if overdue else 0,
            )
        )
    rows.sort(
        key=lambda row: (
            0 if row.overdue else 1,
            row.standing.next_due if row.overdue else date.max,
            -rank.get(row.standing.level or "", len(rank)),
            row.standing.next_due,
            row.standing.code,
        )
    )
    return rows


# --- History of a resident ---------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    item_id: str
    before: object
    after: object


@dataclass
class HistoryPoint:
    entry_id: str
    occurred_at: datetime
    level: str
    computed_level: str
    score: int | None
    instrument: str
    status: str
    changes: list[Change] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)


# How many of a case's latest assessments show the answers that changed (see `history`).
ANSWERS_OPENED = 12


async def history(user: CurrentUser, case_id: uuid.UUID) -> list[HistoryPoint]:
    """The case's standing assessments, oldest first, each with the answers that changed
    since the one before. The answers are sealed: they are opened here for a viewer who may
    see these entries (the query goes through the access rules)."""
    query = visible_entries(
        user,
        Entry.select(*_ENTRY_COLUMNS, *ENVELOPE_COLUMNS).where(
            (Entry.case == case_id) & (Entry.type == "risk_assessment")
        ),
    )
    rows = await query if query is not None else []
    superseded = _superseded(rows)
    rows = sorted(
        (
            r
            for r in rows
            if str(r["id"]) not in superseded
            and r["status"] in COUNTED_STATUSES
            and r["risk_level"]  # an unscored one has no level to draw
        ),
        key=lambda r: r["occurred_at"],
    )
    points: list[HistoryPoint] = []
    # Levels and scores are clear; only the answers are sealed. A resident assessed monthly
    # for years would have every assessment unsealed on each view of the case page (one
    # RSA decryption each), so only the latest ones are opened, and the one before them
    # to tell what changed: older points keep their level and score, without the changes.
    first_opened = max(0, len(rows) - ANSWERS_OPENED - 1)
    for number, row in enumerate(rows):
        details = details_of(row.get("details"))
        answers = (
            open_entry(row).get("fields", {}).get("answers") or {} if number >= first_opened else {}
        )
        point = HistoryPoint(
            entry_id=str(row["id"]),
            occurred_at=row["occurred_at"],
            level=row["risk_level"],
            computed_level=details.get("computed_level") or row["risk_level"],
            score=details.get("score"),
            instrument=details.get("instrument") or "",
            status=row["status"],
            answers=answers,
        )
        if points and number > first_opened:
            before = points[-1].answers
            point.changes = [
                Change(key, before.get(key), answers.get(key))
                for key in sorted(set(before) | set(answers))
                if before.get(key) != answers.get(key)
            ]
        points.append(point)
    return points
