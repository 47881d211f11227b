"""What people read about risk: the capture form built from the instrument, the reasons a
reassessment is due, the case page's chart of levels and the changes between assessments.

Texts of the instrument come from its file, in the reader's language; the app's own words
go through gettext.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.core.i18n import current_language, format_date, format_datetime
from server.core.i18n import gettext as _
from server.core.identity import CurrentUser
from server.entries import categories as c
from server.risk import services
from server.risk.instrument import Instrument, current_instrument, library


def text(texts: dict[str, str]) -> str:
    return texts.get(current_language.get()) or texts["en"]


def reason_text(standing: services.Standing) -> str:
    if standing.reason == "admission":
        return _("Not assessed yet: every resident is assessed on admission.")
    if standing.reason == "trigger":
        trigger = c.RISK_TRIGGER.label(standing.trigger)
        return _("Reassessment needed at once: %(trigger)s.", trigger=trigger)
    if standing.reason == "unscored":
        return _("The last assessment was recorded without the instrument: reassess.")
    if standing.reason == "hearing":
        return _("A hearing is coming: reassess before it.")
    return _("Next reassessment set by the level.")


def form_context(instrument: Instrument | None = None) -> dict[str, Any]:
    """The instrument in the reader's language, for the capture form's widget."""
    instrument = instrument or current_instrument()
    return {
        "version": instrument.version,
        "title": text(instrument.title),
        "item_count": len(instrument.items),
        "levels": [
            {
                "id": level.id,
                "label": c.RISK_LEVEL.label(level.id),
                "from_score": level.from_score,
                "days": level.reassess_after_days,
            }
            for level in instrument.levels
        ],
        "domains": [
            {
                "id": domain.id,
                "title": text(domain.title),
                "items": [
                    {
                        "id": item.id,
                        "text": text(item.text),
                        "guidance": text(item.guidance),
                        "answers": [
                            {
                                "value": answer.value,
                                "score": answer.score,
                                "at_least": answer.at_least or "",
                                "label": text(answer.label),
                            }
                            for answer in item.answers
                        ],
                    }
                    for item in domain.items
                ],
            }
            for domain in instrument.domains
        ],
    }


# --- The case page ----------------------------------------------------------------------------

CHART_WIDTH = 320
CHART_HEIGHT = 140
CHART_LEFT = 70  # room for the level names
CHART_PAD = 14


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    level: str
    label: str
    when: str


def chart(points: list[services.HistoryPoint]) -> dict[str, Any]:
    """An SVG line of levels over time, drawn on the server (no script, works at 360 px)."""
    levels = list(library().current().level_ids)
    for point in points:
        if point.level not in levels:
            levels.append(point.level)
    span_y = CHART_HEIGHT - 2 * CHART_PAD
    step_y = span_y / max(len(levels) - 1, 1)

    def y_of(level: str) -> float:
        return round(CHART_HEIGHT - CHART_PAD - levels.index(level) * step_y, 1)

    first = points[0].occurred_at if points else None
    span = (points[-1].occurred_at - first).total_seconds() if len(points) > 1 else 0
    inner = CHART_WIDTH - CHART_LEFT - CHART_PAD
    shown: list[ChartPoint] = []
    for index, point in enumerate(points):
        if span > 0:
            x = CHART_LEFT + inner * (point.occurred_at - first).total_seconds() / span
        else:
            x = CHART_LEFT + inner / 2 if len(points) == 1 else CHART_LEFT + inner * index
        label = c.RISK_LEVEL.label(point.level)
        shown.append(
            ChartPoint(
                round(x, 1), y_of(point.level), point.level, label, format_date(point.occurred_at)
            )
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "right": CHART_WIDTH - CHART_PAD,
        "rows": [{"y": y_of(level), "label": c.RISK_LEVEL.label(level)} for level in levels],
        "points": shown,
        "line": " ".join(f"{p.x},{p.y}" for p in shown),
        "summary": "; ".join(f"{p.when}: {p.label}" for p in shown),
    }


def _answer_label(instrument: Instrument | None, item_id: str, value: object) -> str:
    if value is None:
        return _("not asked")
    item = instrument.item(item_id) if instrument else None
    answer = item.answer(value) if item else None
    return text(answer.label) if answer else str(value)


def _item_text(instrument: Instrument | None, item_id: str) -> str:
    item = instrument.item(item_id) if instrument else None
    return text(item.text) if item else item_id


async def case_risk(user: CurrentUser, case: dict) -> dict[str, Any]:
    """The risk section of a case page."""
    standing = await services.case_standing(user, case)
    points = await services.history(user, case["id"])
    assessments = []
    for point in points:
        instrument = library().get(point.instrument)
        assessments.append(
            {
                "id": point.entry_id,
                "when": format_datetime(point.occurred_at, "medium"),
                "level": point.level,
                "level_label": c.RISK_LEVEL.label(point.level),
                "overridden": point.level != point.computed_level,
                "computed_label": c.RISK_LEVEL.label(point.computed_level),
                "score": point.score,
                "instrument": point.instrument,
                "status": point.status,
                "changes": [
                    {
                        "question": _item_text(instrument, change.item_id),
                        "before": _answer_label(instrument, change.item_id, change.before),
                        "after": _answer_label(instrument, change.item_id, change.after),
                    }
                    for change in point.changes
                ],
            }
        )
    today = services.today_for(user)
    return {
        "standing": standing,
        "level_label": c.RISK_LEVEL.label(standing.level) if standing.level else "",
        "next_due": format_date(standing.next_due),
        "overdue": standing.overdue(today),
        "due_today": standing.due_today(today),
        "reason": reason_text(standing),
        "assessments": list(reversed(assessments)),  # newest first, as the timeline
        "chart": chart(points) if points else None,
    }


def present_assessment(fields: dict, shown: list) -> list:
    """An assessment's entry page: the level first, then each answer as question and answer
    in the reader's language (the instrument version the entry names)."""
    from server.entries.presentation import ShownField
    from server.risk.scoring import AssessmentError, level_for

    instrument = library().get(fields.get("instrument"))
    answers = fields.get("answers") if isinstance(fields.get("answers"), dict) else {}
    if instrument is None:
        return shown
    try:
        computed = level_for(instrument, answers)
    except AssessmentError:  # pragma: no cover - stored entries were checked on arrival
        return shown
    level = fields.get("override_level") or computed
    heading = [ShownField("level", _("Risk level"), c.RISK_LEVEL.label(level))]
    if level != computed:
        heading.append(
            ShownField("computed_level", _("Level from the answers"), c.RISK_LEVEL.label(computed))
        )
    questions = [
        ShownField(
            f"answers.{item.id}",
            text(item.text),
            _answer_label(instrument, item.id, answers.get(item.id)),
        )
        for item in instrument.items
    ]
    rest = [field for field in shown if field.key != "answers"]
    return heading + rest[:1] + questions + rest[1:]
