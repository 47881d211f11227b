"""The monthly report opens only the entries that carry a trip: whether an entry has one is
kept in clear (`details.trip`, never where to), so a month of visits without travel is not
unsealed one by one on every view of the report. Entries stored before the flag existed
are still opened."""

from __future__ import annotations

import json
from datetime import date

from server.entries.tables import Entry
from server.reports.compiling import compile_month
from tests.support.approvals import build_team, decided
from tests.support.reports import log
from tests.support.run import run

JULY = "2025-07-{:02d}T10:00:00+03:00"


def test_only_entries_with_a_trip_or_stored_before_the_flag_are_opened_for_travel():
    team = build_team()
    ana, sofia, code = team.users["ana"], team.users["sofia"], team.north_code
    travelled = log(
        ana, "visit", code, at=JULY.format(3), trip_from="mun. Chișinău", trip_to="Soroca"
    )
    stayed = log(ana, "visit", code, at=JULY.format(4))
    legacy = log(ana, "visit", code, at=JULY.format(5))
    trained = log(ana, "training", None, at=JULY.format(6))
    for entry_id in (travelled, stayed, legacy, trained):
        decided(sofia, entry_id, "approved")

    details = {str(row["id"]): row["details"] for row in run(Entry.select(Entry.id, Entry.details))}
    flags = {
        key: (json.loads(value) if isinstance(value, str) else value).get("trip")
        for key, value in details.items()
    }
    assert flags[travelled] is True
    assert flags[stayed] is False and flags[trained] is False
    # An entry stored before the flag: no `trip` key at all.
    older = json.loads(details[legacy]) if isinstance(details[legacy], str) else details[legacy]
    older.pop("trip")
    run(Entry.update({Entry.details: json.dumps(older)}).where(Entry.id == legacy))

    figures = run(compile_month(ana, date(2025, 7, 1), "Europe/Chisinau"))
    assert sorted(figures["travel_entries"]) == sorted([travelled, legacy])
