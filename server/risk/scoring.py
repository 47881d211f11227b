"""Scoring a risk assessment: answers → score → level → next reassessment date.

Plain functions of an instrument and the answers, so that the server, the tests and the
capture page (which repeats the same arithmetic in `risk-form.js`) agree. The level never
goes down when an answer gets worse: the score is a sum, levels start at increasing scores,
and the instrument's check makes sure a worse answer never carries a lower minimum level.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from server.core.rejection import Rejection
from server.risk.instrument import Instrument, InstrumentLibrary, library


class AssessmentError(Rejection):
    """A risk assessment that cannot be scored (sync answers it as `rejected`)."""


@dataclass(frozen=True)
class Scored:
    instrument: str
    score: int
    computed_level: str
    level: str  # the computed level, or the override
    overridden: bool
    next_due: date


def check_answers(instrument: Instrument, answers: object) -> dict[str, str]:
    """Every item answered with one of its answers, and nothing else. Messages name items of
    the instrument only, never a key or value the sender made up (it may be content)."""
    if not isinstance(answers, dict):
        raise AssessmentError("invalid_answers", "answers: must be an object")
    known = {item.id for item in instrument.items}
    if set(answers) - known:
        raise AssessmentError(
            "unknown_item",
            f"answers: has questions that instrument version {instrument.version} does not have",
        )
    for item in instrument.items:
        if item.id not in answers:
            raise AssessmentError("missing_answer", f"answers.{item.id}: is not answered")
        if item.answer(answers[item.id]) is None:
            raise AssessmentError(
                "unknown_answer", f"answers.{item.id}: is not one of the question's answers"
            )
    return answers  # type: ignore[return-value]


def total_score(instrument: Instrument, answers: dict[str, Any]) -> int:
    total = 0
    for item in instrument.items:
        answer = item.answer(answers.get(item.id))
        if answer is not None:
            total += answer.score
    return total


def level_for(instrument: Instrument, answers: dict[str, Any]) -> str:
    """The highest level whose score is reached, raised to any minimum an answer sets."""
    ids = instrument.level_ids
    score = total_score(instrument, answers)
    position = 0
    for index, level in enumerate(instrument.levels):
        if score >= level.from_score:
            position = index
    for item in instrument.items:
        answer = item.answer(answers.get(item.id))
        if answer is not None and answer.at_least is not None:
            position = max(position, ids.index(answer.at_least))
    return ids[position]


def next_due(instrument: Instrument, level: str, assessed_on: date) -> date:
    found = instrument.level(level)
    days = (
        found.reassess_after_days
        if found
        else min(lvl.reassess_after_days for lvl in instrument.levels)
    )
    return assessed_on + timedelta(days=days)


def score_assessment(
    fields: dict[str, Any], assessed_on: date, instruments: InstrumentLibrary | None = None
) -> Scored:
    """Score the fields of a `risk_assessment` with the version it names (never the current
    one). An override needs a written reason and a level the instrument has."""
    instruments = instruments or library()
    instrument = instruments.get(fields.get("instrument"))
    if instrument is None:
        raise AssessmentError(
            "unknown_instrument",
            "instrument: is not a version of the risk instrument this server knows "
            f"(known: {', '.join(instruments.versions)})",
        )
    answers = check_answers(instrument, fields.get("answers"))
    computed = level_for(instrument, answers)
    override = fields.get("override_level") or None
    reason = (fields.get("override_reason") or "").strip()
    if override is not None:
        if not reason:
            raise AssessmentError(
                "override_without_reason",
                "override_reason: a written reason is needed to override the level",
            )
        if override not in instrument.level_ids:
            raise AssessmentError(
                "unknown_level",
                f"override_level: instrument version {instrument.version} has no such level",
            )
    level = override or computed
    return Scored(
        instrument=instrument.version,
        score=total_score(instrument, answers),
        computed_level=computed,
        level=level,
        overridden=override is not None and override != computed,
        next_due=next_due(instrument, level, assessed_on),
    )


def assessed_on(plaintext: dict[str, Any]) -> date:
    """The day as the staff member lived it: the date part of `occurred_at` in its own offset."""
    return date.fromisoformat(plaintext["occurred_at"][:10])


def risk_columns(plaintext: dict[str, Any]) -> dict[str, Any]:
    """The clear metadata a risk-related entry adds when it is stored: for an assessment its
    level, score and next reassessment date (and the safety plan's due dates, which become
    deadlines); for a trigger the day a reassessment became due. Raises AssessmentError."""
    fields = plaintext.get("fields") or {}
    if plaintext.get("type") == "risk_assessment":
        scored = score_assessment(fields, assessed_on(plaintext))
        plan_dates = sorted(
            {action["due_on"] for action in fields.get("safety_plan") or [] if action.get("due_on")}
        )
        return {
            "risk_level": scored.level,
            "due_on": scored.next_due,
            "details": {
                "score": scored.score,
                "computed_level": scored.computed_level,
                "safety_plan_due": plan_dates,
            },
        }
    if fields.get("trigger"):
        return {"due_on": assessed_on(plaintext), "details": {}}
    return {}
