"""The practice report: how the risk assessment was done in a period, for the working group and
the validation workshop, from the stored assessments the viewer may read.

Counts only, and every count from 1 to 4 is written `<5` (server.indicators.suppression): the
report is printed and handed round at a workshop. Answers are sealed: they are opened here,
counted and dropped, never shown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from server.core.identity import CurrentUser
from server.entries.access import visible_entries
from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry, details_of
from server.indicators.suppression import primary
from server.risk.instrument import Instrument, library
from server.risk.scoring import level_for
from server.risk.services import COUNTED_STATUSES, _standing, _superseded, zone_name

NOT_KNOWN = "unknown"
# How soon a reassessment followed a trigger, in days: the buckets the report counts.
FOLLOW_UP_BUCKETS = ("same_day", "within_2_days", "within_7_days", "later", "not_yet")


@dataclass
class Practice:
    start: date
    end: date
    assessments: int = 0
    reassessments_on_time: int = 0
    reassessments_late: int = 0
    triggers: Counter = field(default_factory=Counter)  # kind → count
    follow_up: Counter = field(default_factory=Counter)  # bucket → count
    overrides: Counter = field(default_factory=Counter)  # raised / lowered
    override_reasons: int = 0
    # (item id, raised / lowered) → overridden assessments where that question had a concern
    override_items: Counter = field(default_factory=Counter)
    not_known: Counter = field(default_factory=Counter)  # item id → count
    level_changes: Counter = field(default_factory=Counter)  # up / down / same
    draft_version: str | None = None
    draft_changes: Counter = field(default_factory=Counter)  # "medium→high" → count
    draft_changed: int = 0
    draft_scored: int = 0

    def shown(self, value: int) -> str | int:
        return primary(value)


def period_of(start: date, end: date, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    return datetime.combine(start, time.min, tz), datetime.combine(
        end + timedelta(days=1), time.min, tz
    )


def last_quarter(today: date) -> tuple[date, date]:
    """The three calendar months before this one's."""
    first_this = today.replace(day=1)
    month = first_this.month - 3
    year = first_this.year
    if month < 1:
        month += 12
        year -= 1
    return date(year, month, 1), first_this - timedelta(days=1)


def _bucket(days: int | None) -> str:
    if days is None:
        return "not_yet"
    if days <= 0:
        return "same_day"
    if days <= 2:
        return "within_2_days"
    if days <= 7:
        return "within_7_days"
    return "later"


async def practice_report(
    user: CurrentUser, start: date, end: date, draft: Instrument | None = None
) -> Practice:
    """The figures of the period `start`–`end` (local days, both included)."""
    zone = ZoneInfo(zone_name(user))
    since, until = period_of(start, end, zone_name(user))
    query = visible_entries(
        user,
        Entry.select(
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
            *ENVELOPE_COLUMNS,
        ).where(Entry.type.is_in(["risk_assessment", "risk_trigger", "visit", "accompaniment"])),
    )
    rows: list[dict[str, Any]] = await query if query is not None else []
    superseded = _superseded(rows)
    live = [
        row
        for row in rows
        if str(row["id"]) not in superseded and row["status"] in COUNTED_STATUSES
    ]
    report = Practice(start, end, draft_version=draft.version if draft else None)
    by_case: dict[str, list[dict]] = {}
    for row in sorted(live, key=lambda row: row["occurred_at"]):
        by_case.setdefault(str(row["case"]), []).append(row)

    def in_period(row: dict) -> bool:
        return since <= row["occurred_at"] < until

    for case_rows in by_case.values():
        assessments = [row for row in case_rows if row["type"] == "risk_assessment"]
        scored = [row for row in assessments if row["risk_level"]]
        # Reassessments: on time when made by the day the resident was due, as the board
        # had it just before (the level's interval, shortened by a trigger or a hearing).
        for before, after in pairwise(scored):
            if not in_period(after):
                continue
            earlier = [row for row in case_rows if row["occurred_at"] < after["occurred_at"]]
            case = {"id": after["case"], "code": "", "opened_at": before["occurred_at"]}
            due = _standing(case, earlier, zone_name(user)).next_due
            if after["occurred_at"].astimezone(zone).date() <= due:
                report.reassessments_on_time += 1
            else:
                report.reassessments_late += 1
        # Level changes over the stay: each assessment against the one before.
        ids = list(library().current().level_ids)
        for before, after in pairwise(scored):
            if not in_period(after):
                continue
            a, b = before["risk_level"], after["risk_level"]
            if a in ids and b in ids:
                change = "up" if ids.index(b) > ids.index(a) else "down" if b != a else "same"
                report.level_changes[change] += 1
        # Triggers, and how soon an assessment followed.
        for row in case_rows:
            kind = details_of(row.get("details")).get("trigger")
            if not kind or not in_period(row):
                continue
            report.triggers[kind] += 1
            following = next(
                (a for a in assessments if a["occurred_at"] >= row["occurred_at"]), None
            )
            days = (
                (following["occurred_at"] - row["occurred_at"]).days
                if following is not None
                else None
            )
            report.follow_up[_bucket(days)] += 1
        for row in assessments:
            if not in_period(row):
                continue
            report.assessments += 1
            plaintext = open_entry(row)
            fields = plaintext.get("fields") or {}
            answers = fields.get("answers") or {}
            for item_id, value in answers.items():
                if value == NOT_KNOWN:
                    report.not_known[item_id] += 1
            details = details_of(row.get("details"))
            computed = details.get("computed_level") or row["risk_level"]
            if row["risk_level"] and computed and row["risk_level"] != computed:
                ids = list(library().current().level_ids)
                if row["risk_level"] in ids and computed in ids:
                    raised = ids.index(row["risk_level"]) > ids.index(computed)
                    direction = "raised" if raised else "lowered"
                    report.overrides[direction] += 1
                    used = library().get(details.get("instrument"))
                    for item in used.items if used else ():
                        chosen = item.answer(answers.get(item.id))
                        if chosen is not None and chosen.score > 0:
                            report.override_items[(item.id, direction)] += 1
                if (fields.get("override_reason") or "").strip():
                    report.override_reasons += 1
            if draft is not None and computed and isinstance(answers, dict):
                under_draft = level_for(draft, answers)
                report.draft_scored += 1
                if under_draft != computed:
                    report.draft_changed += 1
                    report.draft_changes[f"{computed}→{under_draft}"] += 1
    return report


# --- What the page, the CSV and the Word file show ----------------------------------------------


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    rows: list[tuple[str, str, str | int]]  # code, label, shown value


def sections(report: Practice, instrument: Instrument) -> list[Section]:
    """The report's figures in reading order, suppressed, with labels in the reader's language."""
    from server.core.i18n import gettext as _
    from server.entries.categories import RISK_LEVEL, RISK_TRIGGER
    from server.risk.presentation import text

    def shown(counter: Counter, codes: list[str], label) -> list[tuple[str, str, str | int]]:
        return [(code, label(code), primary(counter.get(code, 0))) for code in codes]

    item_text = {item.id: text(item.text) for item in instrument.items}
    follow_labels = {
        "same_day": _("The same day"),
        "within_2_days": _("Within 2 days"),
        "within_7_days": _("Within 7 days"),
        "later": _("Later"),
        "not_yet": _("Not yet"),
    }
    result = [
        Section(
            "timeliness",
            _("Reassessments on time and late"),
            [
                ("assessments", _("Assessments in the period"), primary(report.assessments)),
                ("on_time", _("Reassessments on time"), primary(report.reassessments_on_time)),
                ("late", _("Reassessments late"), primary(report.reassessments_late)),
            ],
        ),
        Section(
            "triggers",
            _("Triggers that fired"),
            shown(report.triggers, list(RISK_TRIGGER.codes), RISK_TRIGGER.label),
        ),
        Section(
            "follow_up",
            _("How soon a reassessment followed a trigger"),
            shown(report.follow_up, list(FOLLOW_UP_BUCKETS), follow_labels.get),
        ),
        Section(
            "overrides",
            _("Overrides of the level"),
            [
                ("raised", _("Level raised by staff"), primary(report.overrides["raised"])),
                ("lowered", _("Level lowered by staff"), primary(report.overrides["lowered"])),
                ("reasons", _("With a written reason"), primary(report.override_reasons)),
            ],
        ),
        Section(
            "override_items",
            _("Questions with a concern when staff changed the level"),
            [
                (
                    f"{item_id}|{direction}",
                    f"{item_text.get(item_id, item_id)} · "
                    + (
                        _("Level raised by staff")
                        if direction == "raised"
                        else _("Level lowered by staff")
                    ),
                    primary(count),
                )
                for (item_id, direction), count in report.override_items.most_common()
            ],
        ),
        Section(
            "not_known",
            _("Questions most often answered “not known”"),
            [
                (item_id, item_text.get(item_id, item_id), primary(count))
                for item_id, count in report.not_known.most_common()
            ],
        ),
        Section(
            "level_changes",
            _("Level changes during residents' stays"),
            [
                ("up", _("Higher than the assessment before"), primary(report.level_changes["up"])),
                ("same", _("The same"), primary(report.level_changes["same"])),
                ("down", _("Lower"), primary(report.level_changes["down"])),
            ],
        ),
    ]
    if report.draft_version is not None:
        rows: list[tuple[str, str, str | int]] = [
            ("scored", _("Assessments scored again"), primary(report.draft_scored)),
            ("changed", _("Would change level"), primary(report.draft_changed)),
        ]
        for change, count in sorted(report.draft_changes.items()):
            before, after = change.split("→")
            rows.append(
                (
                    change,
                    f"{RISK_LEVEL.label(before)} → {RISK_LEVEL.label(after)}",
                    primary(count),
                )
            )
        result.append(
            Section(
                "draft",
                _("Under the draft of version %(version)s", version=report.draft_version),
                rows,
            )
        )
    return result
