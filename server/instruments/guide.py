"""The implementation guidelines of a published version: every domain and question with its
guidance, the scoring, what each level asks of staff, the reassessment intervals and the
triggers, in the reader's language. The page and the Word file read the same `Guide`."""

from __future__ import annotations

from dataclasses import dataclass

from server.core.i18n import gettext as _
from server.core.i18n import ngettext
from server.entries.categories import RISK_LEVEL, RISK_TRIGGER
from server.risk.instrument import Instrument
from server.risk.presentation import text


def level_asks(level: str) -> str:
    """What a level asks of staff when the version does not say it itself (`asks`)."""
    return {
        "low": _("Continue the agreed support; reassess at the interval or when a trigger occurs."),
        "medium": _(
            "Review the safety plan with the resident and tell the supervisor at the next "
            "team meeting."
        ),
        "high": _(
            "Update the safety plan the same day, tell the supervisor at once; the "
            "supervisor signs the assessment off."
        ),
        "critical": _(
            "Act at once: tell the supervisor and, where life or safety is at risk, the "
            "police; the supervisor signs the assessment off."
        ),
    }.get(level, "")


@dataclass(frozen=True)
class Guide:
    version: str
    title: str
    subtitle: str
    levels: list[dict]
    triggers: list[str]
    hearing: str
    domains: list[dict]


def guide_of(instrument: Instrument) -> Guide:
    levels = []
    for index, level in enumerate(instrument.levels):
        upper = (
            instrument.levels[index + 1].from_score - 1
            if index + 1 < len(instrument.levels)
            else None
        )
        if upper is None:
            scoring = _("Score %(low)s or more.", low=level.from_score)
        else:
            scoring = _("Score %(low)s to %(high)s.", low=level.from_score, high=upper)
        days = ngettext(
            "Reassess after %(num)s day at the latest.",
            "Reassess after %(num)s days at the latest.",
            level.reassess_after_days,
        )
        levels.append(
            {
                "id": level.id,
                "label": RISK_LEVEL.label(level.id),
                "scoring": f"{scoring} {days}",
                "asks": text(level.asks) if level.asks else level_asks(level.id),
            }
        )
    domains = []
    for domain in instrument.domains:
        items = []
        for item in domain.items:
            answers = []
            for answer in item.answers:
                line = _(
                    "%(answer)s: %(score)s points", answer=text(answer.label), score=answer.score
                )
                if answer.at_least:
                    line += " · " + _("at least %(level)s", level=RISK_LEVEL.label(answer.at_least))
                answers.append(line)
            items.append(
                {
                    "id": item.id,
                    "text": text(item.text),
                    "guidance": text(item.guidance),
                    "answers": answers,
                }
            )
        domains.append({"id": domain.id, "title": text(domain.title), "items": items})
    return Guide(
        version=instrument.version,
        title=text(instrument.title),
        subtitle=_(
            "Implementation guidelines of version %(version)s of the risk instrument.",
            version=instrument.version,
        ),
        levels=levels,
        triggers=[RISK_TRIGGER.label(kind) for kind in instrument.trigger_kinds],
        hearing=ngettext(
            "Before a hearing or testimony: reassess within %(num)s day before it.",
            "Before a hearing or testimony: reassess within %(num)s days before it.",
            instrument.hearing_within_days,
        ),
        domains=domains,
    )
