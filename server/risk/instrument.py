"""The risk-assessment instrument: a versioned JSON file that the SOP working group revises.

Each file under `instruments/` is one version (`v1.json` holds version "1"). It is checked
when it is loaded; a mistake stops the server with a message naming the file and the place
in it (`$.domains[2].items[0].answers[1].score`), so that whoever edited it can fix it
without reading code. Stored assessments name the version they were scored with, and every
version stays loadable, so a new version never changes how an old assessment was scored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from server.entries.categories import RISK_LEVEL, RISK_TRIGGER

INSTRUMENTS_DIR = Path(__file__).parent / "instruments"
LANGUAGES = ("en", "ro", "ru", "sq", "sr")
KNOWN_LEVELS = tuple(RISK_LEVEL.codes)
KNOWN_TRIGGERS = tuple(RISK_TRIGGER.codes)

_VERSION = re.compile(r"[A-Za-z0-9._-]{1,40}\Z")
_DOMAIN_ID = re.compile(r"[a-z0-9_]{1,32}\Z")
# The same shape the entry schema allows for answer keys and values.
_ITEM_ID = re.compile(r"[a-z0-9_.-]{1,64}\Z")
_ANSWER_VALUE = re.compile(r"[a-z0-9_-]{1,64}\Z")


class InstrumentError(ValueError):
    """An instrument file that cannot be used, with where the problem is."""

    def __init__(self, file: Path | str, place: str, problem: str) -> None:
        self.file = str(file)
        self.place = place
        self.problem = problem
        super().__init__(f"{self.file}: {place}: {problem}")


@dataclass(frozen=True)
class Answer:
    value: str
    score: int
    at_least: str | None
    label: dict[str, str]


@dataclass(frozen=True)
class Item:
    id: str
    domain: str
    text: dict[str, str]
    guidance: dict[str, str]
    answers: tuple[Answer, ...]

    def answer(self, value: object) -> Answer | None:
        for answer in self.answers:
            if answer.value == value:
                return answer
        return None


@dataclass(frozen=True)
class Domain:
    id: str
    title: dict[str, str]
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Level:
    id: str
    from_score: int
    reassess_after_days: int
    # What the level asks of staff, as the SOPs put it (optional; the guidelines print it).
    asks: dict[str, str] | None = None


@dataclass(frozen=True)
class Instrument:
    version: str
    title: dict[str, str]
    levels: tuple[Level, ...]  # lowest first
    domains: tuple[Domain, ...]
    trigger_kinds: tuple[str, ...]
    hearing_within_days: int
    source: str

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for domain in self.domains for item in domain.items)

    def item(self, item_id: str) -> Item | None:
        for item in self.items:
            if item.id == item_id:
                return item
        return None

    @property
    def level_ids(self) -> tuple[str, ...]:
        return tuple(level.id for level in self.levels)

    def level(self, level_id: str) -> Level | None:
        for level in self.levels:
            if level.id == level_id:
                return level
        return None

    def public(self) -> dict[str, Any]:
        """What `/api/v1/risk/instrument` publishes (the contract's keys, plus the texts)."""
        return {
            "version": self.version,
            "title": self.title,
            "domains": [
                {
                    "id": domain.id,
                    "title": domain.title,
                    "items": [
                        {
                            "id": item.id,
                            "text": item.text,
                            "guidance": item.guidance,
                            "answers": [
                                {
                                    "value": answer.value,
                                    "score": answer.score,
                                    "at_least": answer.at_least,
                                    "label": answer.label,
                                }
                                for answer in item.answers
                            ],
                        }
                        for item in domain.items
                    ],
                }
                for domain in self.domains
            ],
            "levels": list(self.level_ids),
            "from_score": {level.id: level.from_score for level in self.levels},
            "reassess_after_days": {level.id: level.reassess_after_days for level in self.levels},
            "triggers": {
                "kinds": list(self.trigger_kinds),
                "hearing_within_days": self.hearing_within_days,
            },
        }


# --- Reading and checking a file ------------------------------------------------------------


class _Reader:
    """Walks the parsed file, keeping the JSON path for messages."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, place: str, problem: str) -> InstrumentError:
        return InstrumentError(self.file, place, problem)

    def obj(
        self, value: Any, place: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict:
        if not isinstance(value, dict):
            raise self.fail(place, "must be an object")
        for key in required:
            if key not in value:
                raise self.fail(place, f'is missing "{key}"')
        unknown = sorted(set(value) - set(required) - set(optional))
        if unknown:
            raise self.fail(place, f'has an unknown key "{unknown[0]}" (a typing mistake?)')
        return value

    def array(self, value: Any, place: str, minimum: int = 1) -> list:
        if not isinstance(value, list):
            raise self.fail(place, "must be a list")
        if len(value) < minimum:
            raise self.fail(place, f"must have at least {minimum} element(s)")
        return value

    def whole(self, value: Any, place: str, minimum: int = 0, maximum: int = 10_000) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(place, "must be a whole number")
        if not minimum <= value <= maximum:
            raise self.fail(place, f"must be between {minimum} and {maximum}")
        return value

    def token(self, value: Any, place: str, pattern: re.Pattern, shape: str) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            raise self.fail(place, f"must be {shape}")
        return value

    def texts(self, value: Any, place: str) -> dict[str, str]:
        """A text in every language of the app, none of them empty."""
        if not isinstance(value, dict):
            raise self.fail(place, "must be an object with a text per language")
        for language in LANGUAGES:
            text = value.get(language)
            if not isinstance(text, str) or not text.strip():
                raise self.fail(f"{place}.{language}", "is missing or empty")
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise self.fail(place, f'has an unknown language "{unknown[0]}"')
        return {language: value[language] for language in LANGUAGES}


def _levels(reader: _Reader, raw: Any) -> tuple[Level, ...]:
    levels: list[Level] = []
    for index, value in enumerate(reader.array(raw, "$.levels")):
        place = f"$.levels[{index}]"
        entry = reader.obj(value, place, ("id", "from_score", "reassess_after_days"), ("asks",))
        if entry["id"] not in KNOWN_LEVELS:
            raise reader.fail(f"{place}.id", f"must be one of {', '.join(KNOWN_LEVELS)}")
        level = Level(
            entry["id"],
            reader.whole(entry["from_score"], f"{place}.from_score"),
            reader.whole(entry["reassess_after_days"], f"{place}.reassess_after_days", 1, 365),
            reader.texts(entry["asks"], f"{place}.asks") if "asks" in entry else None,
        )
        if levels:
            before = levels[-1]
            if KNOWN_LEVELS.index(level.id) <= KNOWN_LEVELS.index(before.id):
                raise reader.fail(
                    f"{place}.id", f"must come after {before.id}: levels go lowest first"
                )
            if level.from_score <= before.from_score:
                raise reader.fail(
                    f"{place}.from_score",
                    f"must be higher than {before.from_score}, the score where {before.id} starts",
                )
            if level.reassess_after_days > before.reassess_after_days:
                raise reader.fail(
                    f"{place}.reassess_after_days",
                    f"must not be longer than {before.reassess_after_days} days, "
                    f"the wait at {before.id}: a higher level is never reassessed later",
                )
        elif level.from_score != 0:
            raise reader.fail(f"{place}.from_score", "must be 0: the lowest level starts at 0")
        levels.append(level)
    return tuple(levels)


def _answers(
    reader: _Reader,
    raw: Any,
    place: str,
    labels: dict[str, dict[str, str]],
    level_ids: tuple[str, ...],
) -> tuple[Answer, ...]:
    answers: list[Answer] = []
    for index, value in enumerate(reader.array(raw, place, 2)):
        here = f"{place}[{index}]"
        entry = reader.obj(value, here, ("value", "score"), ("at_least", "label"))
        answer_value = reader.token(
            entry["value"], f"{here}.value", _ANSWER_VALUE, "lower-case letters, digits, _ or -"
        )
        if any(a.value == answer_value for a in answers):
            raise reader.fail(f"{here}.value", f'repeats the answer "{answer_value}"')
        at_least = entry.get("at_least")
        if at_least is not None and at_least not in level_ids:
            raise reader.fail(f"{here}.at_least", f"must be one of {', '.join(level_ids)}")
        if "label" in entry:
            label = reader.texts(entry["label"], f"{here}.label")
        elif answer_value in labels:
            label = labels[answer_value]
        else:
            raise reader.fail(
                here, f'needs a "label", or an entry "{answer_value}" in $.answer_labels'
            )
        answers.append(
            Answer(answer_value, reader.whole(entry["score"], f"{here}.score"), at_least, label)
        )
    # "Worse" means a higher score. A worse answer must never bring a lower minimum level,
    # or making an answer worse could lower the level.
    rank = {level: position for position, level in enumerate(level_ids)}
    for index, answer in enumerate(answers):
        for other in answers:
            floor, other_floor = rank.get(answer.at_least, -1), rank.get(other.at_least, -1)
            if other.score <= answer.score and other_floor > floor:
                raise reader.fail(
                    f"{place}[{index}].at_least",
                    f'"{answer.value}" scores {answer.score} but has a lower minimum level '
                    f'than "{other.value}", which scores {other.score}: a worse answer must '
                    "never lower the level",
                )
    return tuple(answers)


def parse_instrument(raw: Any, file: Path) -> Instrument:
    reader = _Reader(file)
    top = reader.obj(
        raw,
        "$",
        ("version", "title", "levels", "triggers", "domains"),
        ("published_on", "answer_labels", "notes"),
    )
    version = reader.token(
        top["version"], "$.version", _VERSION, "a short label of letters, digits, '.', '_' or '-'"
    )
    if file.suffix == ".json" and file.stem != f"v{version}":
        raise reader.fail("$.version", f'is "{version}" but the file is named {file.name}')
    title = reader.texts(top["title"], "$.title")
    levels = _levels(reader, top["levels"])
    level_ids = tuple(level.id for level in levels)

    triggers = reader.obj(top["triggers"], "$.triggers", ("kinds", "hearing_within_days"))
    kinds = reader.array(triggers["kinds"], "$.triggers.kinds", 0)
    for index, kind in enumerate(kinds):
        if kind not in KNOWN_TRIGGERS:
            raise reader.fail(
                f"$.triggers.kinds[{index}]", f"must be one of {', '.join(KNOWN_TRIGGERS)}"
            )
    hearing_days = reader.whole(
        triggers["hearing_within_days"], "$.triggers.hearing_within_days", 0, 90
    )

    labels_raw = top.get("answer_labels", {})
    if not isinstance(labels_raw, dict):
        raise reader.fail("$.answer_labels", "must be an object")
    labels = {
        key: reader.texts(value, f"$.answer_labels.{key}") for key, value in labels_raw.items()
    }

    domains: list[Domain] = []
    seen_items: set[str] = set()
    for d_index, d_raw in enumerate(reader.array(top["domains"], "$.domains")):
        d_place = f"$.domains[{d_index}]"
        d_entry = reader.obj(d_raw, d_place, ("id", "title", "items"))
        domain_id = reader.token(
            d_entry["id"], f"{d_place}.id", _DOMAIN_ID, "lower-case letters, digits or _"
        )
        if any(d.id == domain_id for d in domains):
            raise reader.fail(f"{d_place}.id", f'repeats the domain "{domain_id}"')
        items: list[Item] = []
        for i_index, i_raw in enumerate(reader.array(d_entry["items"], f"{d_place}.items")):
            i_place = f"{d_place}.items[{i_index}]"
            i_entry = reader.obj(i_raw, i_place, ("id", "text", "guidance", "answers"))
            item_id = reader.token(
                i_entry["id"], f"{i_place}.id", _ITEM_ID, "lower-case letters, digits, ., _ or -"
            )
            if item_id in seen_items:
                raise reader.fail(f"{i_place}.id", f'repeats the item "{item_id}"')
            seen_items.add(item_id)
            items.append(
                Item(
                    item_id,
                    domain_id,
                    reader.texts(i_entry["text"], f"{i_place}.text"),
                    reader.texts(i_entry["guidance"], f"{i_place}.guidance"),
                    _answers(reader, i_entry["answers"], f"{i_place}.answers", labels, level_ids),
                )
            )
        domains.append(
            Domain(domain_id, reader.texts(d_entry["title"], f"{d_place}.title"), tuple(items))
        )
    return Instrument(
        version=version,
        title=title,
        levels=levels,
        domains=tuple(domains),
        trigger_kinds=tuple(kinds),
        hearing_within_days=hearing_days,
        source=str(file),
    )


def load_instrument(file: Path) -> Instrument:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InstrumentError(file, "$", f"cannot be read ({type(error).__name__})") from error
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise InstrumentError(
            file, f"line {error.lineno} column {error.colno}", f"is not valid JSON: {error.msg}"
        ) from error
    return parse_instrument(raw, file)


def _version_key(version: str) -> tuple:
    """ "10" comes after "9"; "1.1" after "1"."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in version.split(".")
    )


class InstrumentLibrary:
    """Every version that can score an assessment; the highest one is the current one."""

    def __init__(self, instruments: list[Instrument] | None = None) -> None:
        self._versions: dict[str, Instrument] = {}
        # Versions published in the app (server.instruments), as last read from the database.
        self._published: set[str] = set()
        for instrument in instruments or []:
            self.add(instrument)

    def replace_published(self, instruments: list[Instrument]) -> None:
        """The versions published in the app are exactly these from now on (a file's own
        version is never replaced: a shipped version and its imported copy are the same)."""
        for version in self._published:
            self._versions.pop(version, None)
        self._published = set()
        for instrument in instruments:
            if instrument.version not in self._versions:
                self._versions[instrument.version] = instrument
                self._published.add(instrument.version)

    def add(self, instrument: Instrument) -> None:
        if instrument.version in self._versions:
            raise InstrumentError(
                instrument.source,
                "$.version",
                f'"{instrument.version}" is also the version of '
                f"{self._versions[instrument.version].source}",
            )
        self._versions[instrument.version] = instrument

    def remove(self, version: str) -> None:
        self._versions.pop(version, None)

    def get(self, version: object) -> Instrument | None:
        return self._versions.get(version) if isinstance(version, str) else None

    def current(self) -> Instrument:
        return self._versions[max(self._versions, key=_version_key)]

    @property
    def versions(self) -> list[str]:
        return sorted(self._versions, key=_version_key)

    @classmethod
    def from_directory(cls, directory: Path) -> InstrumentLibrary:
        files = sorted(directory.glob("v*.json"))
        if not files:
            raise InstrumentError(directory, "$", "holds no instrument file (v1.json, …)")
        return cls([load_instrument(file) for file in files])


@cache
def library() -> InstrumentLibrary:
    """The instruments shipped with the app, loaded once (a broken file fails loudly)."""
    return InstrumentLibrary.from_directory(INSTRUMENTS_DIR)


def current_instrument() -> Instrument:
    return library().current()
