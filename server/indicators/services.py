"""NRM indicators for a period, a team and a region, from the entries that count.

*Persons assisted* are the cases with at least one counted entry (approved, latest approved
version: `server.approvals.counting`) that happened in the period; *new cases* those whose
case intake is one of them. Each person is described by the categories recorded on their
case (sex, age band, citizenship, forms of exploitation, identification status). Persons
who refused consent to anonymised statistics are left out of every figure. *Referrals* are
the counted referral entries of the period, by service.

One query reads the period's counted entries through the (team, occurred_at) index and
answers with a row per person (the case columns by join) and a row per referral; nothing
sealed is opened. Every count goes through
`server.indicators.suppression` before anyone sees it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from piccolo.query.methods.select import Select

from server.approvals.counting import counted_entries
from server.entries import categories as c
from server.entries.tables import Entry, details_of
from server.indicators.suppression import suppress

# Breakdowns, with the HTCDS (IOM Human Trafficking Case Data Standard, as used by CTDC)
# field each is exported under, and whether each person is in exactly one cell.
DIMENSIONS: tuple[tuple[str, c.ChoiceList, str, bool], ...] = (
    ("sex", c.SEX, "gender", True),
    ("age_band", c.AGE_BAND, "ageBroad", True),
    ("citizenship", c.CITIZENSHIP, "citizenship", True),
    ("exploitation", c.EXPLOITATION, "typeOfExploit", False),
    ("identification", c.IDENTIFICATION, "identificationStatus", True),
)

# HTCDS spellings of our codes where they differ (ages "18--20", sexes capitalised). Our
# exploitation codes map to the CTDC flags isSexualExploit, isForcedLabour, … — exported
# under one `typeOfExploit` column with the flag's name as the category.
HTCDS_CODES: dict[str, dict[str, str]] = {
    "sex": {"female": "Female", "male": "Male", "other": "Other", "not_disclosed": "Unknown"},
    "age_band": {
        **{code: code.replace("-", "--") for code in c.AGE_BAND.codes if "-" in code},
        "not_disclosed": "Unknown",
    },
    "citizenship": {"not_disclosed": "Unknown", "stateless": "Stateless", "other": "Other"},
    "exploitation": {
        "sexual": "isSexualExploit",
        "forced_labour": "isForcedLabour",
        "forced_marriage": "isForcedMarriage",
        "forced_criminality": "isForcedCriminality",
        "begging": "isBegging",
        "slavery": "isSlaveryAndPractices",
        "organ_removal": "isOrganRemoval",
        "forced_military": "isForcedMilitary",
        "other": "isOtherExploit",
        "not_disclosed": "Unknown",
    },
    "identification": {"presumed": "Presumed", "identified": "Identified"},
}

MAX_DAYS = 366 * 5


class FilterError(ValueError):
    """A filter that cannot be used; the message is for the person who chose it."""


@dataclass(frozen=True)
class IndicatorFilters:
    start: date
    end: date  # inclusive
    team_id: int | None  # None: every team (admins only)
    region: str = ""


def period_bounds(filters: IndicatorFilters, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone or "UTC")
    start = datetime.combine(filters.start, time.min, tz)
    end = datetime.combine(filters.end + timedelta(days=1), time.min, tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def htcds_code(dimension: str, code: str) -> str:
    return HTCDS_CODES.get(dimension, {}).get(code, code)


def _exploitation(value: object) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            return []
    return [item for item in value or [] if isinstance(item, str)]


def _breakdowns(people: list[dict]) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    for key, choices, _field, _additive in DIMENSIONS:
        counts = dict.fromkeys(choices.codes, 0)
        for person in people:
            values = (
                person["exploitation"] or ["not_disclosed"]
                if key == "exploitation"
                else [person[key] or "not_disclosed"]
            )
            for value in values:
                counts[value] = counts.get(value, 0) + 1
        result[key] = counts
    return result


def period_query(filters: IndicatorFilters, zone: str) -> Select:
    """The counted entries of the period, team and region (the benchmark EXPLAINs it too)."""
    start, end = period_bounds(filters, zone)
    query = counted_entries(Entry.case, Entry.type, Entry.details).where(
        (Entry.occurred_at >= start) & (Entry.occurred_at < end)
    )
    if filters.team_id is not None:
        query = query.where(Entry.team == filters.team_id)
    if filters.region:
        query = query.where(Entry.region == filters.region)
    return query


# The period's entries are read once ("period", materialised: it is used twice) and come
# back as one row per person (their case's categories, and whether the case intake is among
# the entries) followed by one row per referral (its clear details). A quarter of one team
# at 100,000 entries is ~4,500 entries but ~400 persons and ~900 referrals: making a Python
# dict of every entry was half the page's time.
_PERSONS_AND_REFERRALS = """
WITH "period" AS MATERIALIZED ({}),
"person" AS (
    SELECT "case", MAX(CASE WHEN "type" = 'case_intake' THEN 1 ELSE 0 END) AS "opened"
    FROM "period" WHERE "case" IS NOT NULL GROUP BY "case"
)
SELECT 'person' AS "kind", "person"."case" AS "case", "person"."opened" AS "opened",
    NULL AS "details",
    "assisted_case"."sex" AS "sex", "assisted_case"."age_band" AS "age_band",
    "assisted_case"."citizenship" AS "citizenship",
    "assisted_case"."exploitation" AS "exploitation",
    "assisted_case"."identification" AS "identification",
    "assisted_case"."consent_statistics" AS "consent_statistics",
    "assisted_case"."code" AS "code"
FROM "person" JOIN "assisted_case" ON "assisted_case"."id" = "person"."case"
UNION ALL
SELECT 'referral', "case", 0, "details", NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM "period" WHERE "type" = 'referral' AND "case" IS NOT NULL
"""


async def compile_counts(filters: IndicatorFilters, zone: str) -> dict:
    """The raw counts (never shown as they are: see `published`)."""
    inner = period_query(filters, zone).querystrings[0]
    rows = await Entry.raw(_PERSONS_AND_REFERRALS, inner)

    people: dict[str, dict] = {}
    new: set[str] = set()
    referrals = dict.fromkeys(c.SERVICE_TYPE.codes, 0)
    left_out: set[str] = set()
    refused: set[str] = set()
    outcomes = dict.fromkeys(c.REFERRAL_STATUS.codes, 0)
    providers: dict[str, int] = {}
    referral_rows = []
    for row in rows:
        key = str(row["case"])
        if row["kind"] == "referral":
            referral_rows.append(row)  # once every person is known (UNION ALL has no order)
            continue
        if row["consent_statistics"] == "refused":
            refused.add(key)
            left_out.add(row["code"] or key)
            continue
        people[key] = {
            "sex": row["sex"],
            "age_band": row["age_band"],
            "citizenship": row["citizenship"],
            "exploitation": _exploitation(row["exploitation"]),
            "identification": row["identification"],
        }
        if row["opened"]:
            new.add(key)
    for row in referral_rows:
        if str(row["case"]) in refused:
            continue
        details = details_of(row["details"])
        service = details.get("service_type") or ""
        if service in referrals:
            referrals[service] += 1
            status = details.get("status") or ""
            if status in outcomes:
                outcomes[status] += 1
            # "" gathers referrals to providers named outside the directory.
            provider = details.get("provider_id") or ""
            providers[provider] = providers.get(provider, 0) + 1
    assisted = list(people.values())
    new_people = [people[key] for key in new]
    return {
        "persons_assisted": {"total": len(assisted), **_breakdowns(assisted)},
        "new_cases": {"total": len(new_people), **_breakdowns(new_people)},
        "referrals": {
            "total": sum(referrals.values()),
            "service_type": referrals,
            "status": outcomes,
            "provider": providers,
        },
        "left_out": sorted(left_out),
    }


def published(counts: dict) -> dict:
    """The same structure with every count replaced by what may be shown."""
    result: dict = {}
    for group in ("persons_assisted", "new_cases"):
        raw = counts[group]
        shown: dict = {"total": suppress({"total": raw["total"]}, additive=False)["total"]}
        for key, _choices, _field, additive in DIMENSIONS:
            shown[key] = suppress(raw[key], additive=additive)
        result[group] = shown
    referrals = counts["referrals"]
    result["referrals"] = {
        "total": suppress({"total": referrals["total"]}, additive=False)["total"],
        "service_type": suppress(referrals["service_type"], additive=True),
        "status": suppress(referrals["status"], additive=True),
        "provider": suppress(referrals["provider"], additive=True),
    }
    return result


async def compile_indicators(filters: IndicatorFilters, zone: str) -> dict:
    """The figures that may be shown, and `left_out`: the codes of the cases with counted
    work in the period that are not counted because they refused consent to statistics (no
    NRM figure: the page tells a supervisor which of the team's cases are missing and why)."""
    counts = await compile_counts(filters, zone)
    return {**published(counts), "left_out": counts["left_out"]}
