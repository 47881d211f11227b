"""How deadlines read on a screen and in a reminder, beyond their kind and date: where a
hearing takes place. The rules that make deadlines stay in `services`; this only looks up
what a person needs to recognise one at a glance, and it is always a category (the
accompaniment's institution: police, prosecutor, court…), never a name or free text."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from server.approvals.counting import latest_version_condition
from server.entries.categories import INSTITUTION
from server.entries.tables import Entry, details_of


def _hearing_root(key: str) -> uuid.UUID | None:
    """A hearing's key is `hearing:<root of the accompaniment>:<time>` (services.hearings)."""
    kind, _sep, rest = key.partition(":")
    try:
        return uuid.UUID(rest.partition(":")[0]) if kind == "hearing" else None
    except ValueError:
        return None


async def hearing_institutions(keys: Iterable[str]) -> dict[str, str]:
    """Deadline key → institution code of the accompaniment that set the hearing (its latest
    version), for the hearings among `keys`."""
    roots = {key: root for key in keys if (root := _hearing_root(key)) is not None}
    if not roots:
        return {}
    rows = await Entry.select(Entry.root, Entry.details).where(
        Entry.root.is_in(list(set(roots.values())))
        & (Entry.type == "accompaniment")
        & latest_version_condition()
    )
    found = {str(row["root"]): details_of(row["details"]).get("institution") for row in rows}
    return {
        key: found[str(root)]
        for key, root in roots.items()
        if found.get(str(root)) in INSTITUTION.codes
    }


async def hearing_places(keys: Iterable[str]) -> dict[str, str]:
    """Deadline key → the institution's name in the current language (what the pages show)."""
    institutions = await hearing_institutions(keys)
    return {key: INSTITUTION.label(code) for key, code in institutions.items()}
