"""The directory's rules without HTTP: what a provider row may hold, the search, and which
trips the programme reimburses."""

from __future__ import annotations

from datetime import date

from server.providers.services import canonical_place, matches, read_provider
from server.travel.services import is_reimbursed, trip_of


def test_a_spreadsheet_row_is_read_leniently_but_checked():
    draft = read_provider(
        {
            "organisation": " Centrul X ",
            "services": "Psychological; social",
            "place": "bălți",
            "languages": "RO,ru",
            "without_documents": "da",
        },
        "MD",
    )
    assert draft.errors == []
    assert draft.values["organisation"] == "Centrul X"
    assert draft.values["services"] == ["psychological", "social"]
    assert draft.values["place"] == "mun. Bălți"
    assert draft.values["languages"] == ["ro", "ru"]
    assert draft.values["without_documents"] is True and draft.values["active"] is True


def test_every_mistake_of_a_row_is_named():
    draft = read_provider(
        {
            "organisation": "",
            "services": "surgery",
            "place": "Atlantis",
            "languages": "xx",
            "without_documents": "maybe",
        },
        "MD",
    )
    assert len(draft.errors) == 5


def test_places_are_those_of_the_teams_country():
    assert canonical_place("Soroca", "MD") == "Soroca"
    assert read_provider({"organisation": "A", "services": "legal", "place": "Soroca"}, "XK").errors


def test_the_search_needs_every_criterion_given():
    provider = {"services": ["psychological"], "place": "Soroca", "languages": ["ro", "ru"]}
    assert matches(provider, service="psychological", place="Soroca", language="ru")
    assert matches(provider)
    assert not matches(provider, language="sq")
    assert not matches(provider, place="Orhei")
    assert not matches(provider, service="legal")


def test_only_trips_with_an_end_outside_the_capital_are_reimbursed():
    def trip(start: str, end: str) -> dict:
        return {"from": start, "to": end}

    assert is_reimbursed(trip("mun. Chișinău", "Soroca"))
    assert is_reimbursed(trip("Orhei", ""))
    assert not is_reimbursed(trip("mun. Chișinău", "mun. Chișinău"))
    assert not is_reimbursed(trip("", ""))
    assert not is_reimbursed(trip("Prishtinë/Priština", ""))


def test_a_trip_without_its_own_date_is_dated_by_the_entry():
    plaintext = {
        "type": "visit",
        "occurred_at": "2025-07-03T10:00:00+03:00",
        "fields": {"trip_from": "mun. Chișinău", "trip_to": "Soroca", "trip_km": 150},
    }
    trip = trip_of(plaintext)
    assert trip["on"] == date(2025, 7, 3) and trip["km"] == 150 and trip["cost"] == 0
    assert trip_of({"type": "visit", "occurred_at": plaintext["occurred_at"], "fields": {}}) is None
