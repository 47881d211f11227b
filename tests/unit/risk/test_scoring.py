"""Scoring from the instrument file: boundaries between levels, minimum levels set by an
answer, the next reassessment date, overrides, rejections, versions, and the property that
makes the instrument safe to use: making any answer worse never lowers the level."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.risk.instrument import Instrument, InstrumentLibrary, library, load_instrument
from server.risk.scoring import (
    AssessmentError,
    check_answers,
    level_for,
    next_due,
    score_assessment,
    total_score,
)
from tests.support.entries import VALID_FIELDS
from tests.support.risk import V2_FIXTURE

V1 = library().get("1")
V2 = load_instrument(V2_FIXTURE)
CALM = dict(VALID_FIELDS["risk_assessment"]["answers"])


def answers_scoring(instrument: Instrument, target: int) -> dict[str, str]:
    """Answers that add up to `target` using only answers that set no minimum level."""
    reachable: dict[int, dict[str, str]] = {0: {}}
    for item in instrument.items:
        following: dict[int, dict[str, str]] = {}
        for total, chosen in reachable.items():
            for answer in item.answers:
                if answer.at_least is None:
                    following.setdefault(total + answer.score, {**chosen, item.id: answer.value})
        reachable = following
    return reachable[target]


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, "low"),
        (7, "low"),
        (8, "medium"),
        (15, "medium"),
        (16, "high"),
        (27, "high"),
        (28, "critical"),
    ],
)
def test_level_boundaries_come_from_the_file(score: int, level: str) -> None:
    answers = answers_scoring(V1, score)
    assert total_score(V1, answers) == score
    assert level_for(V1, answers) == level


def test_an_answer_can_set_a_minimum_level_whatever_the_score() -> None:
    assert level_for(V1, {**CALM, "self_harm.risk": "some"}) == "high"
    assert total_score(V1, {**CALM, "self_harm.risk": "some"}) == 5
    assert level_for(V1, {**CALM, "threats.contact": "serious"}) == "critical"
    assert level_for(V1, {**CALM, "legal.proceedings": "pressure"}) == "medium"


@pytest.mark.parametrize(
    ("level", "days"), [("low", 30), ("medium", 14), ("high", 7), ("critical", 2)]
)
def test_next_reassessment_follows_the_level(level: str, days: int) -> None:
    assert (next_due(V1, level, date(2026, 12, 30)) - date(2026, 12, 30)).days == days


def fields(**changes: object) -> dict:
    return {"instrument": "1", "answers": dict(CALM), "notes": "", **changes}


def test_scoring_an_assessment_uses_its_local_day() -> None:
    scored = score_assessment(fields(), date(2026, 11, 23))
    assert (scored.level, scored.computed_level, scored.score) == ("low", "low", 0)
    assert scored.next_due == date(2026, 12, 23) and scored.instrument == "1"


def test_an_override_needs_a_written_reason() -> None:
    with pytest.raises(AssessmentError) as raised:
        score_assessment(fields(override_level="high"), date(2026, 11, 23))
    assert raised.value.code == "override_without_reason"
    with pytest.raises(AssessmentError):
        score_assessment(fields(override_level="high", override_reason="   "), date(2026, 11, 23))
    scored = score_assessment(
        fields(override_level="high", override_reason="Seen near the shelter"), date(2026, 11, 23)
    )
    assert (scored.level, scored.computed_level, scored.overridden) == ("high", "low", True)
    assert scored.next_due == date(2026, 11, 30)  # the override's interval, not the score's


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"instrument": "9"}, "unknown_instrument"),
        ({"instrument": "unscored"}, "unknown_instrument"),
        ({"answers": {**CALM, "made.up": "no"}}, "unknown_item"),
        ({"answers": {k: v for k, v in CALM.items() if k != "self_harm.risk"}}, "missing_answer"),
        ({"answers": {**CALM, "self_harm.risk": "maybe"}}, "unknown_answer"),
        ({"answers": {**CALM, "self_harm.risk": 2}}, "unknown_answer"),
        ({"answers": {}}, "missing_answer"),
        ({"answers": None}, "invalid_answers"),
    ],
)
def test_bad_answers_are_rejected_with_a_code(changes: dict, code: str) -> None:
    with pytest.raises(AssessmentError) as raised:
        score_assessment(fields(**changes), date(2026, 11, 23))
    assert raised.value.code == code
    assert "maybe" not in raised.value.message and "made.up" not in raised.value.message


def test_a_new_version_never_changes_how_an_old_assessment_is_scored() -> None:
    both = InstrumentLibrary([V1, V2])
    assert both.current().version == "2"
    old = score_assessment(
        fields(answers={**CALM, "threats.contact": "past"}), date(2026, 11, 23), both
    )
    assert (old.instrument, old.level, old.next_due) == ("1", "low", date(2026, 12, 23))
    new = score_assessment(
        {"instrument": "2", "answers": {"threats.contact": "past", "self_harm.risk": "no"}},
        date(2026, 11, 23),
        both,
    )
    assert (new.instrument, new.level, new.next_due) == ("2", "medium", date(2026, 12, 3))
    # Each version only takes its own questions.
    with pytest.raises(AssessmentError) as raised:
        score_assessment({"instrument": "2", "answers": CALM}, date(2026, 11, 23), both)
    assert raised.value.code == "unknown_item"


def test_check_answers_accepts_exactly_one_known_answer_per_question() -> None:
    assert check_answers(V1, CALM) == CALM


RANK = {level: index for index, level in enumerate(V1.level_ids)}


@st.composite
def worsening(draw: st.DrawFn, instrument: Instrument) -> tuple[dict, dict]:
    """Answers, and the same answers with one of them made worse (or left as bad)."""
    answers = {
        item.id: draw(st.sampled_from([a.value for a in item.answers])) for item in instrument.items
    }
    item = draw(st.sampled_from(instrument.items))
    current = item.answer(answers[item.id])
    worse = [a.value for a in item.answers if a.score >= current.score]
    return answers, {**answers, item.id: draw(st.sampled_from(worse))}


@pytest.mark.parametrize("instrument", [V1, V2], ids=["v1", "v2-fixture"])
def test_making_any_answer_worse_never_lowers_the_level(instrument: Instrument) -> None:
    @settings(max_examples=400, deadline=None)
    @given(worsening(instrument))
    def check(pair: tuple[dict, dict]) -> None:
        before, after = pair
        assert RANK[level_for(instrument, after)] >= RANK[level_for(instrument, before)]
        assert total_score(instrument, after) >= total_score(instrument, before)

    check()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_worsening_several_answers_in_turn_never_lowers_the_level(data: st.DataObject) -> None:
    answers = {item.id: item.answers[0].value for item in V1.items}
    level = level_for(V1, answers)
    for _ in range(data.draw(st.integers(1, 20))):
        item = data.draw(st.sampled_from(V1.items))
        current = item.answer(answers[item.id])
        answers[item.id] = data.draw(
            st.sampled_from([a.value for a in item.answers if a.score >= current.score])
        )
        now = level_for(V1, answers)
        assert RANK[now] >= RANK[level]
        level = now
