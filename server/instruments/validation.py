"""What is wrong with a draft of the instrument, every problem at once, in the reader's language.

The file loader (server.risk.instrument) stops at the first mistake with a JSON path, which
suits someone editing a file. The working group edits on a page instead: it needs the whole
list, each problem named by domain and question as they read them. A draft with no problems
here also passes the loader (publishing checks both), so a published version always loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.core.i18n import LANGUAGES
from server.core.i18n import gettext as _
from server.entries.categories import RISK_LEVEL, RISK_TRIGGER
from server.risk.instrument import (  # the shapes the file loader allows
    _ANSWER_VALUE,
    _DOMAIN_ID,
    _ITEM_ID,
    KNOWN_LEVELS,
    KNOWN_TRIGGERS,
)

TEXT_LANGUAGES = tuple(LANGUAGES)


@dataclass(frozen=True)
class Problem:
    """`part` is where the editor shows it: a domain's id, "scoring" or "" (the whole)."""

    part: str
    message: str


def _missing_languages(texts: Any) -> list[str]:
    if not isinstance(texts, dict):
        return list(TEXT_LANGUAGES)
    return [
        language
        for language in TEXT_LANGUAGES
        if not isinstance(texts.get(language), str) or not texts[language].strip()
    ]


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _scoring_problems(raw: dict, problems: list[Problem]) -> list[dict]:
    levels = [level for level in _list(raw.get("levels")) if isinstance(level, dict)]
    if not levels:
        problems.append(Problem("scoring", _("The instrument needs at least one level.")))
    before: dict | None = None
    for level in levels:
        code = level.get("id")
        name = RISK_LEVEL.label(code) if code in KNOWN_LEVELS else str(code)
        start, days = _whole(level.get("from_score")), _whole(level.get("reassess_after_days"))
        if code not in KNOWN_LEVELS:
            problems.append(
                Problem("scoring", _("“%(level)s” is not a level the app knows.", level=name))
            )
        if start is None or start < 0:
            problems.append(
                Problem(
                    "scoring",
                    _(
                        "Level %(level)s: the score it starts at must be a whole number.",
                        level=name,
                    ),
                )
            )
        if days is None or not 1 <= days <= 365:
            problems.append(
                Problem(
                    "scoring",
                    _(
                        "Level %(level)s: reassess after 1 to 365 days.",
                        level=name,
                    ),
                )
            )
        if "asks" in level:
            missing = _missing_languages(level.get("asks"))
            if missing:
                problems.append(
                    Problem(
                        "scoring",
                        _(
                            "Level %(level)s: what it asks of staff has no text in: %(languages)s.",
                            level=name,
                            languages=_language_list(missing),
                        ),
                    )
                )
        if before is None:
            if start not in (None, 0):
                problems.append(
                    Problem("scoring", _("The lowest level must start at score 0.")),
                )
        else:
            b_code = before.get("id")
            b_name = RISK_LEVEL.label(b_code) if b_code in KNOWN_LEVELS else str(b_code)
            b_start, b_days = (
                _whole(before.get("from_score")),
                _whole(before.get("reassess_after_days")),
            )
            if (
                code in KNOWN_LEVELS
                and b_code in KNOWN_LEVELS
                and KNOWN_LEVELS.index(code) <= KNOWN_LEVELS.index(b_code)
            ):
                problems.append(
                    Problem(
                        "scoring",
                        _(
                            "Level %(level)s must come after %(before)s: levels go lowest first.",
                            level=name,
                            before=b_name,
                        ),
                    )
                )
            if start is not None and b_start is not None and start <= b_start:
                problems.append(
                    Problem(
                        "scoring",
                        _(
                            "Level %(level)s must start at a higher score than %(before)s.",
                            level=name,
                            before=b_name,
                        ),
                    )
                )
            if days is not None and b_days is not None and days > b_days:
                problems.append(
                    Problem(
                        "scoring",
                        _(
                            "Level %(level)s is reassessed later than %(before)s: a higher "
                            "level is never reassessed later.",
                            level=name,
                            before=b_name,
                        ),
                    )
                )
        before = level
    triggers = raw.get("triggers") if isinstance(raw.get("triggers"), dict) else {}
    kinds = _list(triggers.get("kinds"))
    for kind in kinds:
        if kind not in KNOWN_TRIGGERS:
            problems.append(
                Problem("scoring", _("“%(trigger)s” is not a trigger the app knows.", trigger=kind))
            )
    hearing_days = _whole(triggers.get("hearing_within_days"))
    if hearing_days is None or not 0 <= hearing_days <= 90:
        problems.append(
            Problem(
                "scoring",
                _("Days before a hearing must be a whole number from 0 to 90."),
            )
        )
    elif "hearing_soon" in kinds and hearing_days == 0:
        problems.append(
            Problem(
                "scoring",
                _(
                    "The trigger “%(trigger)s” has no interval: say how many days before a "
                    "hearing the reassessment is due.",
                    trigger=RISK_TRIGGER.label("hearing_soon"),
                ),
            )
        )
    return levels


def _language_list(codes: list[str]) -> str:
    return ", ".join(LANGUAGES[code] for code in codes)


def problems_of(raw: Any) -> list[Problem]:
    """Every problem of a draft's definition (the file's JSON shape), none when it can be
    published."""
    if not isinstance(raw, dict):
        return [Problem("", _("The file is not an instrument definition."))]
    problems: list[Problem] = []
    missing = _missing_languages(raw.get("title"))
    if missing:
        problems.append(
            Problem(
                "",
                _("The title has no text in: %(languages)s.", languages=_language_list(missing)),
            )
        )
    levels = _scoring_problems(raw, problems)
    level_ids = [level.get("id") for level in levels]
    shared_labels = raw.get("answer_labels") if isinstance(raw.get("answer_labels"), dict) else {}

    domains = [domain for domain in _list(raw.get("domains")) if isinstance(domain, dict)]
    if not domains:
        problems.append(Problem("", _("The instrument needs at least one domain.")))
    seen_domains: set[str] = set()
    seen_items: set[str] = set()
    highest_total = 0
    floors: set[str] = set()
    for domain in domains:
        domain_id = str(domain.get("id") or "")
        part = domain_id
        if not _DOMAIN_ID.match(domain_id):
            problems.append(
                Problem(
                    part,
                    _(
                        "The domain id “%(id)s” may hold only lower-case letters, digits and _.",
                        id=domain_id,
                    ),
                )
            )
        if domain_id in seen_domains:
            problems.append(
                Problem(part, _("Two domains have the same id “%(id)s”.", id=domain_id))
            )
        seen_domains.add(domain_id)
        missing = _missing_languages(domain.get("title"))
        if missing:
            problems.append(
                Problem(
                    part,
                    _(
                        "Domain “%(domain)s”: the title has no text in: %(languages)s.",
                        domain=domain_id,
                        languages=_language_list(missing),
                    ),
                )
            )
        items = [item for item in _list(domain.get("items")) if isinstance(item, dict)]
        if not items:
            problems.append(
                Problem(part, _("Domain “%(domain)s” has no question.", domain=domain_id))
            )
        for item in items:
            item_id = str(item.get("id") or "")
            if not _ITEM_ID.match(item_id):
                problems.append(
                    Problem(
                        part,
                        _(
                            "The question id “%(id)s” may hold only lower-case letters, "
                            "digits, ., _ and -.",
                            id=item_id,
                        ),
                    )
                )
            if item_id in seen_items:
                problems.append(
                    Problem(part, _("Two questions have the same id “%(id)s”.", id=item_id))
                )
            seen_items.add(item_id)
            for key, what in (("text", _("the question")), ("guidance", _("the guidance"))):
                missing = _missing_languages(item.get(key))
                if missing:
                    problems.append(
                        Problem(
                            part,
                            _(
                                "Question “%(item)s”: %(what)s has no text in: %(languages)s.",
                                item=item_id,
                                what=what,
                                languages=_language_list(missing),
                            ),
                        )
                    )
            answers = [answer for answer in _list(item.get("answers")) if isinstance(answer, dict)]
            if len(answers) < 2:
                problems.append(
                    Problem(
                        part,
                        _("Question “%(item)s” needs at least two answers.", item=item_id),
                    )
                )
            seen_values: set[str] = set()
            scores: list[int] = []
            for answer in answers:
                value = str(answer.get("value") or "")
                if not _ANSWER_VALUE.match(value):
                    problems.append(
                        Problem(
                            part,
                            _(
                                "Question “%(item)s”: the answer code “%(value)s” may hold only "
                                "lower-case letters, digits, _ and -.",
                                item=item_id,
                                value=value,
                            ),
                        )
                    )
                if value in seen_values:
                    problems.append(
                        Problem(
                            part,
                            _(
                                "Question “%(item)s” has the answer “%(value)s” twice.",
                                item=item_id,
                                value=value,
                            ),
                        )
                    )
                seen_values.add(value)
                score = _whole(answer.get("score"))
                if score is None or not 0 <= score <= 10_000:
                    problems.append(
                        Problem(
                            part,
                            _(
                                "Question “%(item)s”, answer “%(value)s”: the score must be a "
                                "whole number from 0.",
                                item=item_id,
                                value=value,
                            ),
                        )
                    )
                else:
                    scores.append(score)
                floor = answer.get("at_least")
                if floor is not None and floor not in level_ids:
                    problems.append(
                        Problem(
                            part,
                            _(
                                "Question “%(item)s”, answer “%(value)s”: the minimum level is "
                                "not one of the instrument's levels.",
                                item=item_id,
                                value=value,
                            ),
                        )
                    )
                elif floor is not None:
                    floors.add(floor)
                label = answer.get("label", shared_labels.get(value))
                missing = _missing_languages(label)
                if missing:
                    problems.append(
                        Problem(
                            part,
                            _(
                                "Question “%(item)s”, answer “%(value)s” has no text in: "
                                "%(languages)s.",
                                item=item_id,
                                value=value,
                                languages=_language_list(missing),
                            ),
                        )
                    )
            rank = {level: position for position, level in enumerate(level_ids)}
            for answer in answers:
                for other in answers:
                    score, other_score = _whole(answer.get("score")), _whole(other.get("score"))
                    if score is None or other_score is None:
                        continue
                    if other_score <= score and rank.get(other.get("at_least"), -1) > rank.get(
                        answer.get("at_least"), -1
                    ):
                        problems.append(
                            Problem(
                                part,
                                _(
                                    "Question “%(item)s”: “%(worse)s” scores more than "
                                    "“%(other)s” but sets a lower minimum level: a worse answer "
                                    "must never lower the level.",
                                    item=item_id,
                                    worse=answer.get("value"),
                                    other=other.get("value"),
                                ),
                            )
                        )
            highest_total += max(scores, default=0)
    for level in levels:
        start = _whole(level.get("from_score"))
        code = level.get("id")
        if start is not None and start > highest_total and code not in floors:
            problems.append(
                Problem(
                    "scoring",
                    _(
                        "Level %(level)s starts at score %(score)s, but the highest possible "
                        "score is %(total)s and no answer sets it: no assessment can reach it.",
                        level=RISK_LEVEL.label(code) if code in KNOWN_LEVELS else str(code),
                        score=start,
                        total=highest_total,
                    ),
                )
            )
    return problems
