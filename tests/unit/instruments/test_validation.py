"""The draft's checks: every problem at once, named by domain and question, in the reader's
language; a draft without problems loads as an instrument."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from server.core.i18n import current_language
from server.instruments.validation import problems_of
from server.risk.instrument import INSTRUMENTS_DIR, parse_instrument

V1 = json.loads((INSTRUMENTS_DIR / "v1.json").read_text(encoding="utf-8"))


@pytest.fixture
def raw() -> dict:
    return copy.deepcopy(V1)


@pytest.fixture(autouse=True)
def english() -> None:
    token = current_language.set("en")
    yield
    current_language.reset(token)


def messages(raw: dict) -> list[str]:
    return [problem.message for problem in problems_of(raw)]


def test_the_shipped_version_has_no_problem(raw) -> None:
    assert problems_of(raw) == []
    parse_instrument(raw, Path("v1.json"))


def test_a_question_without_an_albanian_text_is_named(raw) -> None:
    raw["domains"][3]["items"][1]["text"]["sq"] = "  "
    problems = problems_of(raw)
    assert [p.part for p in problems] == ["health"]
    assert problems[0].message == "Question “health.mental”: the question has no text in: Shqip."


def test_duplicate_ids_are_named(raw) -> None:
    raw["domains"][1]["items"][1]["id"] = "retrafficking.risk"
    raw["domains"][2]["id"] = "threats"
    found = messages(raw)
    assert "Two questions have the same id “retrafficking.risk”." in found
    assert "Two domains have the same id “threats”." in found


def test_a_level_no_score_reaches_is_named(raw) -> None:
    # The highest possible total of v1 is 65, and "critical" is also set by two answers.
    for domain in raw["domains"]:
        for item in domain["items"]:
            for answer in item["answers"]:
                if answer.get("at_least") == "critical":
                    answer["at_least"] = "high"
    raw["levels"][3]["from_score"] = 70
    assert messages(raw) == [
        "Level Critical starts at score 70, but the highest possible score is 65 and no answer "
        "sets it: no assessment can reach it."
    ]
    raw["levels"][3]["from_score"] = 65
    assert messages(raw) == []


def test_a_trigger_without_an_interval_is_named(raw) -> None:
    raw["triggers"]["hearing_within_days"] = 0
    assert messages(raw) == [
        "The trigger “A hearing or testimony is close” has no interval: say how many days "
        "before a hearing the reassessment is due."
    ]
    raw["triggers"]["kinds"].remove("hearing_soon")
    assert messages(raw) == []


def test_levels_out_of_order_and_typed_scores_are_named(raw) -> None:
    raw["levels"][2]["from_score"] = 8
    raw["levels"][1]["reassess_after_days"] = 60
    raw["domains"][0]["items"][0]["answers"][1]["score"] = "two"
    found = messages(raw)
    assert "Level High must start at a higher score than Medium." in found
    assert any("a higher level is never reassessed later" in message for message in found)
    assert any("the score must be a whole number" in message for message in found)


def test_every_problem_is_listed_at_once(raw) -> None:
    raw["title"]["sr"] = ""
    raw["domains"][0]["title"]["ro"] = ""
    raw["domains"][0]["items"][0]["answers"] = raw["domains"][0]["items"][0]["answers"][:1]
    assert len(problems_of(raw)) == 3


def test_problems_are_in_the_readers_language(raw) -> None:
    raw["domains"][3]["items"][1]["text"]["sq"] = ""
    current_language.set("sq")
    assert messages(raw) == ["Pyetja “health.mental”: pyetja nuk ka tekst në: Shqip."]
    current_language.set("sr")
    assert messages(raw) == ["Питање „health.mental”: питање нема текст на: Shqip."]


def test_not_an_instrument_at_all() -> None:
    assert messages(["a list"]) == ["The file is not an instrument definition."]
    assert len(problems_of({})) >= 3
