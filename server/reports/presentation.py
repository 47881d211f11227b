"""The report's figures as titled tables in the reader's language: one layout for the page,
the printout and the Word file, so they can never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.core.i18n import gettext as _
from server.entries import categories as c
from server.entries.definitions import ENTRY_TYPES


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str | int]] = field(default_factory=list)
    empty: str = ""


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table]


def _rows(counts: dict[str, int], choices: c.ChoiceList) -> list[list[str | int]]:
    ordered = [code for code in choices.codes if code in counts]
    ordered += [code for code in counts if code not in ordered]
    return [[choices.label(code), counts[code]] for code in ordered]


def _provider_rows(referrals: dict) -> list[list[str | int]]:
    """Providers of the directory by name, most referrals first; those named outside it
    together as "Other"."""
    names = referrals.get("provider_names", {})
    counts = referrals.get("by_provider", {})
    rows: list[list[str | int]] = [
        [names.get(key, _("A provider no longer in the directory")), value]
        for key, value in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if key
    ]
    if counts.get(""):
        rows.append([_("Other (not in the directory)"), counts[""]])
    return rows


def _pairs(
    pairs: dict[str, int], first: c.ChoiceList, second: c.ChoiceList
) -> list[list[str | int]]:
    rows = []
    for key in sorted(
        pairs,
        key=lambda k: (
            first.codes.index(k.split("|")[0]) if k.split("|")[0] in first.codes else 99,
            second.codes.index(k.split("|")[1]) if k.split("|")[1] in second.codes else 99,
        ),
    ):
        one, _sep, two = key.partition("|")
        rows.append([first.label(one), second.label(two), pairs[key]])
    return rows


def sections(figures: dict) -> list[Section]:
    """Every section of the figures, in the report's order (the systemic problems and the
    narrative follow, from their own sources)."""
    none = _("None this month.")
    count = _("Number")
    cases = figures["cases"]
    summary = Table(
        "summary",
        _("In figures"),
        [_("What"), count],
        [
            [_("Entries approved"), figures["entries"]],
            [_("Cases assisted"), cases["assisted"]],
            [_("New cases"), cases["new"]],
            [_("Active cases"), cases["active"]],
            [_("Cases closed"), cases["closed"]],
        ],
    )
    by_type = Table(
        "by_type",
        _("Approved entries by kind"),
        [_("Kind of entry"), count],
        [
            [str(ENTRY_TYPES[key].label) if key in ENTRY_TYPES else key, value]
            for key, value in figures["by_type"].items()
        ],
        none,
    )
    case_list = Table(
        "cases",
        _("Cases assisted (codes only)"),
        [_("Case"), _("New"), _("Closed"), _("Entries")],
        [
            [
                case["code"],
                _("Yes") if case["new"] else "",
                _("Yes") if case["closed"] else "",
                case["entries"],
            ]
            for case in cases["list"]
        ],
        none,
    )
    accompaniments = figures["accompaniments"]
    referrals = figures["referrals"]
    trainings = figures["trainings"]
    people = trainings["participants"]
    supervision = figures["supervision"]
    risk = figures["risk"]
    return [
        Section("summary", _("Summary"), [summary, by_type]),
        Section("cases", _("Cases assisted"), [case_list]),
        Section(
            "accompaniments",
            _("Accompaniments"),
            [
                Table(
                    "accompaniments",
                    _(
                        "Accompaniments by institution and hearing (%(num)s in all)",
                        num=accompaniments["total"],
                    ),
                    [_("Institution"), _("Hearing"), count],
                    _pairs(accompaniments["pairs"], c.INSTITUTION, c.HEARING_TYPE),
                    none,
                ),
                Table(
                    "rights",
                    _("Were the person's rights respected?"),
                    [_("Answer"), count],
                    _rows(accompaniments["rights_respected"], c.YES_NO_UNKNOWN),
                    none,
                ),
                Table(
                    "secondary_victimisation",
                    _("Signs of secondary victimisation"),
                    [_("Answer"), count],
                    _rows(accompaniments["secondary_victimisation"], c.YES_NO_UNKNOWN),
                    none,
                ),
            ],
        ),
        Section(
            "visits",
            _("Visits"),
            [
                Table(
                    "visits",
                    _("Visits by place (%(num)s in all)", num=figures["visits"]["total"]),
                    [_("Place"), count],
                    _rows(figures["visits"]["by_place"], c.VISIT_PLACE),
                    none,
                )
            ],
        ),
        Section(
            "referrals",
            _("Referrals"),
            [
                Table(
                    "referrals",
                    _("Referrals by service and status (%(num)s in all)", num=referrals["total"]),
                    [_("Service"), _("Status"), count],
                    _pairs(referrals["pairs"], c.SERVICE_TYPE, c.REFERRAL_STATUS),
                    none,
                ),
                # Reports compiled before the directory have neither table's figures.
                Table(
                    "referral_outcomes",
                    _("Referrals by outcome"),
                    [_("Status"), count],
                    _rows(referrals.get("by_outcome", {}), c.REFERRAL_STATUS),
                    none,
                ),
                Table(
                    "referral_providers",
                    _("Referrals by provider"),
                    [_("Provider"), count],
                    _provider_rows(referrals),
                    none,
                ),
            ],
        ),
        Section(
            "trainings",
            _("Trainings delivered"),
            [
                Table(
                    "trainings",
                    _("Sessions and participants"),
                    [_("What"), count],
                    [
                        [_("Sessions"), trainings["sessions"]],
                        [_("Participants: women"), people["female"]],
                        [_("Participants: men"), people["male"]],
                        [_("Participants: other or not stated"), people["other"]],
                        [_("Participants in all"), people["total"]],
                    ],
                ),
                Table(
                    "training_audience",
                    _("Sessions by audience"),
                    [_("Audience"), count],
                    _rows(trainings["by_audience"], c.TRAINING_AUDIENCE),
                    none,
                ),
            ],
        ),
        Section(
            "supervision",
            _("Supervision sessions"),
            [
                Table(
                    "supervision",
                    _("Methodological support to specialists and social assistants"),
                    [_("What"), count],
                    [
                        [_("Sessions"), supervision["sessions"]],
                        [_("Participants"), supervision["participants"]],
                    ],
                )
            ],
        ),
        Section(
            "risk",
            _("Risk levels"),
            [
                Table(
                    "risk_levels",
                    _("Risk assessments by level (%(num)s in all)", num=risk["assessments"]),
                    [_("Level"), count],
                    _rows(risk["by_level"], c.RISK_LEVEL),
                    none,
                ),
                Table(
                    "risk_triggers",
                    _("Events calling for a reassessment"),
                    [_("Event"), count],
                    _rows(risk["triggers"], c.RISK_TRIGGER),
                    none,
                ),
            ],
        ),
    ]


def problem_kind_label(kind: str) -> str:
    return c.PROBLEM_KIND.label(kind)


def status_label(status: str) -> str:
    return {
        "draft": _("Draft"),
        "submitted": _("Submitted"),
        "approved": _("Approved"),
        "returned": _("Returned"),
    }.get(status, status)
