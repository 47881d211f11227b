"""Regions and municipalities of each deployment country, from the reference lists.

The lists are copied into the project (never read from elsewhere at run time) and kept as
data, because a territorial reform may change them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
FILES = {"MD": "moldova-regions.json", "XK": "kosovo-municipalities.json"}


@cache
def reference(country: str) -> dict:
    return json.loads((HERE / FILES[country]).read_text(encoding="utf-8"))


def regions(country: str) -> dict[str, list[str]]:
    """Region (Moldova: development region; Kosovo: district) → its places."""
    data = reference(country)
    return dict(data.get("regions") or data.get("districts") or {})


def region_names(country: str) -> list[str]:
    return list(regions(country))


def places(country: str) -> list[str]:
    """Every rayon or municipality of the country, in the reference list's order."""
    return [place for names in regions(country).values() for place in names]


def time_zone(country: str) -> str:
    return reference(country).get(
        "time_zone", "Europe/Chisinau" if country == "MD" else "Europe/Belgrade"
    )
