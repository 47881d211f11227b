"""The monthly travel summary: the trips of a coordinator's month that the programme
reimburses (those outside the capital), read from the sealed content of the entries that
count in the monthly report.

A trip is optional sealed content of a visit, an accompaniment, a training or a supervision
session (`fields.trip_*`, server/entries/definitions.py TRIP). The monthly report's figures
keep the ids of that month's counted entries of those types (`travel_entries`); the summary
opens them when someone allowed to read the report asks for it. So the summary is tied to the
report's cycle: a submitted report keeps its entries, and the supervisor approves both at once.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime

from server.core.i18n import format_date, format_number
from server.core.i18n import gettext as _
from server.entries import categories as c
from server.entries.definitions import ENTRY_TYPES, parse_date
from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry
from server.reports.presentation import Section, Table

TRAVEL_TYPES = ("visit", "accompaniment", "training", "supervision")
# Trips within the capital are not reimbursed: the programme pays for travel to the rayons.
CAPITALS = frozenset({"mun. Chișinău", "Prishtinë/Priština"})


def is_reimbursed(trip: dict) -> bool:
    """A trip with an end outside the capital (a trip within it, or with no place, is not)."""
    ends = [place for place in (trip["from"], trip["to"]) if place]
    return any(place not in CAPITALS for place in ends)


def trip_of(plaintext: dict) -> dict | None:
    fields = plaintext.get("fields", {})
    if not (fields.get("trip_from") or fields.get("trip_to")):
        return None
    occurred = datetime.fromisoformat(plaintext["occurred_at"].replace("Z", "+00:00"))
    return {
        "on": parse_date(fields.get("trip_on")) or occurred.date(),
        "from": fields.get("trip_from") or "",
        "to": fields.get("trip_to") or "",
        "means": fields.get("trip_means") or "",
        "km": fields.get("trip_km") or 0,
        "cost": fields.get("trip_cost") or 0,
        "receipt": fields.get("trip_receipt") or "",
        "type": plaintext.get("type", ""),
    }


async def month_trips(entry_ids: list[str]) -> list[dict]:
    """The reimbursed trips of these entries, by date (the caller may read the report)."""
    if not entry_ids:
        return []
    rows = await Entry.select(*ENVELOPE_COLUMNS).where(
        Entry.id.is_in([uuid.UUID(entry_id) for entry_id in entry_ids])
    )
    trips = []
    for row in rows:
        trip = trip_of(open_entry(row))
        if trip and is_reimbursed(trip):
            trip["entry"] = str(row["id"])
            trips.append(trip)
    return sorted(trips, key=lambda trip: (trip["on"], trip["entry"]))


def _columns() -> list[str]:
    return [
        _("Date"),
        _("Trip: from"),
        _("Trip: to"),
        _("Trip: means of transport"),
        _("Trip: distance (km)"),
        _("Trip: cost (lei)"),
        _("Trip: receipt number"),
        _("Kind of entry"),
    ]


def _row(trip: dict, *, for_people: bool) -> list[str | int]:
    kind = ENTRY_TYPES.get(trip["type"])
    return [
        format_date(trip["on"]) if for_people else trip["on"].isoformat(),
        trip["from"],
        trip["to"],
        c.TRIP_MEANS.label(trip["means"]),
        trip["km"],
        trip["cost"],
        trip["receipt"],
        str(kind.label) if kind else trip["type"],
    ]


def travel_section(trips: list[dict]) -> Section:
    """The summary as a section of the monthly report (page, printout and Word file)."""
    rows = [_row(trip, for_people=True) for trip in trips]
    if trips:
        total_km = sum(trip["km"] for trip in trips)
        total_cost = sum(trip["cost"] for trip in trips)
        rows.append(
            [_("In all"), "", "", "", format_number(total_km), format_number(total_cost), "", ""]
        )
    return Section(
        "travel",
        _("Travel outside the capital"),
        [
            Table(
                "travel",
                _("Trips for reimbursement (%(num)s in all)", num=len(trips)),
                _columns(),
                rows,
                _("No trips outside the capital this month."),
            )
        ],
    )


def travel_csv(trips: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["date", "from", "to", "means", "km", "cost", "receipt", "entry_type", "entry"])
    for trip in trips:
        writer.writerow(
            [
                trip["on"].isoformat(),
                trip["from"],
                trip["to"],
                trip["means"],
                trip["km"],
                trip["cost"],
                trip["receipt"],
                trip["type"],
                trip["entry"],
            ]
        )
    return out.getvalue()
