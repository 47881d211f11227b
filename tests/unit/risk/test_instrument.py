"""Loading the instrument file: version 1 loads, and every mistake a working group could
make while revising it is refused with the file and the JSON path in the message."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from server.risk.instrument import (
    INSTRUMENTS_DIR,
    LANGUAGES,
    InstrumentError,
    InstrumentLibrary,
    library,
    load_instrument,
)
from tests.support.risk import V2_FIXTURE

V1 = json.loads((INSTRUMENTS_DIR / "v1.json").read_text(encoding="utf-8"))


def test_version_1_covers_the_issue_s_domains_in_five_languages() -> None:
    instrument = library().get("1")
    assert instrument is not None
    assert [d.id for d in instrument.domains] == [
        "threats",
        "retrafficking",
        "self_harm",
        "health",
        "family",
        "legal",
        "documents",
        "shelter",
        "dependants",
    ]
    assert instrument.level_ids == ("low", "medium", "high", "critical")
    assert {lvl.id: lvl.reassess_after_days for lvl in instrument.levels} == {
        "low": 30,
        "medium": 14,
        "high": 7,
        "critical": 2,
    }
    for item in instrument.items:
        for texts in (item.text, item.guidance, *(a.label for a in item.answers)):
            assert set(texts) == set(LANGUAGES)
            assert all(value.strip() for value in texts.values())
        # Nobody is pressed for an answer: every question can be answered "not known".
        assert item.answer("unknown") is not None
        # Serbian is written in Cyrillic.
        assert not any("a" <= ch <= "z" for ch in item.text["sr"].lower())
    assert instrument.trigger_kinds == (
        "incident",
        "trafficker_contact",
        "hearing_soon",
        "left_shelter",
        "health_crisis",
    )
    assert instrument.hearing_within_days == 7


def test_the_current_instrument_is_the_highest_version() -> None:
    shipped = InstrumentLibrary.from_directory(INSTRUMENTS_DIR)
    assert shipped.current().version == "1"
    shipped.add(load_instrument(V2_FIXTURE))
    assert shipped.current().version == "2"
    assert shipped.versions == ["1", "2"]
    with pytest.raises(InstrumentError, match="also the version of"):
        shipped.add(load_instrument(V2_FIXTURE))


def write(tmp_path: Path, data: object, name: str = "v1.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def mutate(change: Callable[[dict], None]) -> dict:
    data = copy.deepcopy(V1)
    change(data)
    return data


def _del(path: list, key: str) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        target = data
        for part in path:
            target = target[part]
        del target[key]

    return change


def _set(path: list, key: object, value: object) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        target = data
        for part in path:
            target = target[part]
        target[key] = value

    return change


ITEM = ["domains", 2, "items", 0]
ANSWERS = [*ITEM, "answers"]

MISTAKES = [
    ("missing version", _del([], "version"), "$", 'missing "version"'),
    ("typo in a key", _set([], "domians", []), "$", 'unknown key "domians"'),
    ("version not a token", _set([], "version", "one two"), "$.version", "short label"),
    ("version not the file name", _set([], "version", "7"), "$.version", "named v1.json"),
    (
        "a missing translation",
        _del([*ITEM, "text"], "sq"),
        "$.domains[2].items[0].text.sq",
        "missing",
    ),
    (
        "an empty guidance",
        _set([*ITEM, "guidance"], "sr", " "),
        "$.domains[2].items[0].guidance.sr",
        "empty",
    ),
    (
        "a language the app lacks",
        _set([*ITEM, "text"], "de", "x"),
        "$.domains[2].items[0].text",
        'unknown language "de"',
    ),
    (
        "a negative score",
        _set([*ANSWERS, 1], "score", -1),
        "$.domains[2].items[0].answers[1].score",
        "between 0",
    ),
    (
        "a score as text",
        _set([*ANSWERS, 1], "score", "2"),
        "$.domains[2].items[0].answers[1].score",
        "whole number",
    ),
    (
        "a repeated answer",
        _set([*ANSWERS, 1], "value", "no"),
        "$.domains[2].items[0].answers[1].value",
        'repeats the answer "no"',
    ),
    (
        "an unknown minimum level",
        _set([*ANSWERS, 4], "at_least", "extreme"),
        "$.domains[2].items[0].answers[4].at_least",
        "must be one of",
    ),
    (
        "a worse answer with a lower minimum",
        _set([*ANSWERS, 3], "score", 20),
        "$.domains[2].items[0].answers[3].at_least",
        "a worse answer must never lower the level",
    ),
    (
        "an answer without a label",
        _set([*ANSWERS, 0], "value", "nothing"),
        "$.domains[2].items[0].answers[0]",
        'needs a "label"',
    ),
    (
        "a single answer",
        _set(ITEM, "answers", [{"value": "no", "score": 0}]),
        "$.domains[2].items[0].answers",
        "at least 2",
    ),
    (
        "a repeated item",
        _set(["domains", 3, "items", 0], "id", "self_harm.risk"),
        "$.domains[3].items[0].id",
        "repeats the item",
    ),
    (
        "an item id with spaces",
        _set(ITEM, "id", "Self harm"),
        "$.domains[2].items[0].id",
        "lower-case",
    ),
    (
        "a domain without items",
        _set(["domains", 0], "items", []),
        "$.domains[0].items",
        "at least 1",
    ),
    (
        "levels out of order",
        _set(["levels", 1], "id", "critical"),
        "$.levels[2].id",
        "must come after critical",
    ),
    (
        "a level that is not one of ours",
        _set(["levels", 1], "id", "severe"),
        "$.levels[1].id",
        "must be one of",
    ),
    (
        "thresholds not rising",
        _set(["levels", 2], "from_score", 8),
        "$.levels[2].from_score",
        "must be higher than 8",
    ),
    (
        "the lowest level not at 0",
        _set(["levels", 0], "from_score", 1),
        "$.levels[0].from_score",
        "must be 0",
    ),
    (
        "a higher level reassessed later",
        _set(["levels", 3], "reassess_after_days", 10),
        "$.levels[3].reassess_after_days",
        "never reassessed later",
    ),
    (
        "no reassessment interval",
        _set(["levels", 0], "reassess_after_days", 0),
        "$.levels[0].reassess_after_days",
        "between 1",
    ),
    (
        "an unknown trigger",
        _set(["triggers", "kinds"], 1, "rain"),
        "$.triggers.kinds[1]",
        "must be one of",
    ),
    (
        "a hearing window as text",
        _set(["triggers"], "hearing_within_days", "7"),
        "$.triggers.hearing_within_days",
        "whole number",
    ),
]


@pytest.mark.parametrize(
    ("change", "place", "problem"),
    [case[1:] for case in MISTAKES],
    ids=[case[0] for case in MISTAKES],
)
def test_a_mistake_names_the_file_and_the_place(tmp_path, change, place, problem) -> None:
    path = write(tmp_path, mutate(change))
    with pytest.raises(InstrumentError) as raised:
        load_instrument(path)
    error = raised.value
    assert error.file == str(path)
    assert error.place == place, str(error)
    assert problem in error.problem, str(error)
    assert str(error).startswith(f"{path}: {place}: ")


def test_a_file_that_is_not_json_names_the_line(tmp_path) -> None:
    path = tmp_path / "v1.json"
    path.write_text('{\n  "version": "1",\n  "title": }\n', encoding="utf-8")
    with pytest.raises(InstrumentError) as raised:
        load_instrument(path)
    assert raised.value.place == "line 3 column 12"
    assert "not valid JSON" in str(raised.value) and str(path) in str(raised.value)


def test_an_empty_directory_is_refused(tmp_path) -> None:
    with pytest.raises(InstrumentError, match="holds no instrument file"):
        InstrumentLibrary.from_directory(tmp_path)


def test_a_broken_file_in_the_directory_stops_the_whole_library(tmp_path) -> None:
    write(tmp_path, V1)
    write(tmp_path, mutate(_set([], "version", "2")) | {"levels": []}, "v2.json")
    with pytest.raises(InstrumentError) as raised:
        InstrumentLibrary.from_directory(tmp_path)
    assert raised.value.file.endswith("v2.json") and raised.value.place == "$.levels"


def test_the_published_form_has_the_contract_s_keys() -> None:
    public = library().get("1").public()
    assert public["version"] == "1"
    assert public["levels"] == ["low", "medium", "high", "critical"]
    assert public["reassess_after_days"] == {"low": 30, "medium": 14, "high": 7, "critical": 2}
    item = public["domains"][0]["items"][0]
    assert item["id"] == "threats.contact"
    assert {k: item["answers"][0][k] for k in ("value", "score")} == {"value": "no", "score": 0}
