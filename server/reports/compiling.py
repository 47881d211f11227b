"""Compiling a coordinator's month from the entries that count.

Every figure comes from `server.approvals.counting`: approved entries, the latest approved
version of each chain, nothing else. The query reads one coordinator's entries of one month
through the (author, occurred_at) index, and clear columns only: compiling opens no
envelope. The result holds counts, codes, case codes and entry ids — never free text — so it
can be stored as the submitted copy of a report.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from piccolo.query.methods.select import Select

from server.approvals.counting import counted_entries
from server.cases.tables import Case
from server.entries.tables import Entry, details_of
from server.providers.services import names_of_providers

MONTH_PATTERN = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])\Z")
# The report's layout version: stored with the submitted figures.
FIGURES_VERSION = 1


def parse_month(text: str) -> date | None:
    """The first day of a `YYYY-MM` month, or None for anything else."""
    match = MONTH_PATTERN.match(text or "")
    if not match:
        return None
    year = int(match.group(1))
    if year < 2000 or year > 2100:
        return None
    return date(year, int(match.group(2)), 1)


def next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def month_bounds(first: date, zone: str) -> tuple[datetime, datetime]:
    """The month as an instant range, from midnight of its first day to midnight of the next
    month's first day in the coordinator's time zone (a visit at 00:30 on 1 August in
    Chișinău is August's, although it is still July in UTC)."""
    tz = ZoneInfo(zone or "UTC")
    start = datetime(first.year, first.month, 1, tzinfo=tz)
    following = next_month(first)
    end = datetime(following.year, following.month, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _count(counter: Counter) -> dict[str, int]:
    return {key: counter[key] for key in sorted(counter)}


def _number(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def month_query(author_id: int, first: date, zone: str) -> Select:
    """The counted entries of one coordinator's month (the benchmark EXPLAINs it too)."""
    start, end = month_bounds(first, zone)
    return (
        counted_entries(
            Entry.id,
            Entry.type,
            Entry.case,
            Entry.case.code,
            Entry.region,
            Entry.risk_level,
            Entry.details,
            Entry.occurred_at,
        )
        .where(
            (Entry.author == author_id) & (Entry.occurred_at >= start) & (Entry.occurred_at < end)
        )
        .order_by(Entry.occurred_at)
    )


async def compile_month(author_id: int, first: date, zone: str) -> dict:
    """The figures of one coordinator's month (see the module's docstring)."""
    start, end = month_bounds(first, zone)
    rows = await month_query(author_id, first, zone)

    by_type: Counter = Counter()
    by_region: Counter = Counter()
    cases: dict[str, dict] = {}
    new_cases: set[str] = set()
    visits: Counter = Counter()
    institutions: Counter = Counter()
    hearings: Counter = Counter()
    accompaniment_pairs: Counter = Counter()
    rights: Counter = Counter()
    secondary: Counter = Counter()
    referrals: Counter = Counter()
    referral_services: Counter = Counter()
    referral_providers: Counter = Counter()
    referral_outcomes: Counter = Counter()
    training_audience: Counter = Counter()
    participants: Counter = Counter()
    supervision_participants = 0
    risk_levels: Counter = Counter()
    triggers: Counter = Counter()
    problems: list[dict] = []
    # Entries that carry a trip (sealed; `trip` in clear says whether, and entries stored
    # before it was kept may): the travel summary opens them (server/travel).
    travel_entries: list[str] = []

    for row in rows:
        kind = row["type"]
        details = details_of(row["details"])
        by_type[kind] += 1
        if kind in ("visit", "accompaniment", "training", "supervision") and details.get(
            "trip", True
        ):
            travel_entries.append(str(row["id"]))
        if row["region"]:
            by_region[row["region"]] += 1
        code = row["case.code"]
        if code:
            case = cases.setdefault(
                code, {"code": code, "id": str(row["case"]), "entries": 0, "new": False}
            )
            case["entries"] += 1
            if kind == "case_intake":
                case["new"] = True
                new_cases.add(code)
        if kind == "visit":
            visits[details.get("place") or "other"] += 1
        elif kind == "accompaniment":
            institution = details.get("institution") or "other"
            hearing = details.get("hearing_type") or "none"
            institutions[institution] += 1
            hearings[hearing] += 1
            accompaniment_pairs[f"{institution}|{hearing}"] += 1
            rights[details.get("rights_respected") or "unknown"] += 1
            secondary[details.get("secondary_victimisation") or "unknown"] += 1
        elif kind == "referral":
            service = details.get("service_type") or ""
            status = details.get("status") or ""
            referrals[f"{service}|{status}"] += 1
            referral_services[service] += 1
            # The latest approved version counts: its status is the outcome known so far.
            referral_outcomes[status] += 1
            # A provider of the directory by id; "" for one named outside it (or older phones).
            referral_providers[details.get("provider_id") or ""] += 1
        elif kind == "training":
            training_audience[details.get("audience") or ""] += 1
            for sex in ("female", "male", "other"):
                participants[sex] += _number(details.get(f"participants_{sex}"))
        elif kind == "supervision":
            supervision_participants += _number(details.get("participants"))
        elif kind == "risk_assessment":
            risk_levels[row["risk_level"] or "unknown"] += 1
        elif kind == "risk_trigger":
            triggers[details.get("trigger") or ""] += 1
        elif kind == "systemic_problem":
            problems.append(
                {
                    "id": str(row["id"]),
                    "kind": details.get("kind") or "",
                    "occurred_at": row["occurred_at"].astimezone(UTC).isoformat(),
                }
            )

    # Cases closed this month: the case's own status (closing is not an entry), for the
    # cases assigned to the coordinator or assisted by them this month.
    closed_rows = await Case.select(Case.code).where(
        (Case.closed_at >= start)
        & (Case.closed_at < end)
        & ((Case.assigned_to == author_id) | Case.code.is_in(list(cases) or [""]))
    )
    closed = {row["code"] for row in closed_rows}
    for code in closed:
        cases.setdefault(code, {"code": code, "id": "", "entries": 0, "new": False})
    case_list = []
    for code in sorted(cases):
        case = cases[code]
        case_list.append(
            {
                "code": code,
                "new": case["new"],
                "closed": code in closed,
                "entries": case["entries"],
            }
        )

    provider_names = await names_of_providers([key for key in referral_providers if key])

    return {
        "version": FIGURES_VERSION,
        "month": first.strftime("%Y-%m"),
        "time_zone": zone,
        "entries": sum(by_type.values()),
        "by_type": _count(by_type),
        "by_region": _count(by_region),
        "cases": {
            "assisted": len(cases),
            "new": len(new_cases),
            "closed": len(closed),
            "active": len(cases) - len(closed),
            "list": case_list,
        },
        "visits": {"total": by_type["visit"], "by_place": _count(visits)},
        "accompaniments": {
            "total": by_type["accompaniment"],
            "by_institution": _count(institutions),
            "by_hearing": _count(hearings),
            "pairs": _count(accompaniment_pairs),
            "rights_respected": _count(rights),
            "secondary_victimisation": _count(secondary),
        },
        "referrals": {
            "total": by_type["referral"],
            "by_service": _count(referral_services),
            "pairs": _count(referrals),
            "by_outcome": _count(referral_outcomes),
            "by_provider": _count(referral_providers),
            # The organisations' names as they were when compiled (a submitted report keeps them).
            "provider_names": provider_names,
        },
        "trainings": {
            "sessions": by_type["training"],
            "by_audience": _count(training_audience),
            "participants": {
                "female": participants["female"],
                "male": participants["male"],
                "other": participants["other"],
                "total": sum(participants.values()),
            },
        },
        "supervision": {
            "sessions": by_type["supervision"],
            "participants": supervision_participants,
        },
        "risk": {
            "assessments": by_type["risk_assessment"],
            "by_level": _count(risk_levels),
            "triggers": _count(triggers),
        },
        "problems": problems,
        "travel_entries": travel_entries,
    }
