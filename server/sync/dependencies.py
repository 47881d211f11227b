"""Entries of one batch that need another entry of the same batch stored first.

A phone that opened a case offline sends the intake and then the visits about that case in
one batch. When the intake gets a result the phone sends again (`busy`, `server_error`), the
visits cannot be stored yet — but they are not wrong either: they wait for the intake, and
are answered `busy` too, never `unknown_case`, which the phone keeps as failed for good. An
entry that comes before the one it needs is tried again once the rest of the batch is in,
so the order of a batch does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.entries.definitions import ENTRY_TYPES

# The codes of a `rejected` result that the phone sends again (web/static/js/sync.js
# SERVER_FAULTS): the server's own fault, not the entry's.
RETRYABLE_CODES = frozenset({"server_error", "busy"})

# What another entry of the batch can be for an entry, by the code it is refused with while
# that other one is not stored: the intake of its case (or of a linked case), the entry it
# revises, the accompaniment whose hearing it names.
CASE_INTAKE_WAITING = "case_intake_waiting"
ENTRY_WAITING = "entry_waiting"


@dataclass(frozen=True)
class Dependency:
    index: int  # the position in the batch of the entry waited for
    code: str  # the refusal this entry meets while that one is not stored
    reason: str  # what the phone is told it waits for


def is_retryable(result: dict) -> bool:
    error = result.get("error")
    return (
        result.get("status") == "rejected"
        and isinstance(error, dict)
        and error.get("code") in RETRYABLE_CODES
    )


def is_stored(result: dict) -> bool:
    return result.get("status") in ("stored", "duplicate")


def _key(reference: object) -> str | None:
    return reference.lower() if isinstance(reference, str) and reference else None


def _at(positions: dict[str, int], reference: object) -> int | None:
    key = _key(reference)
    return positions.get(key) if key else None


def batch_dependencies(opened: list[tuple[str, dict] | None]) -> dict[int, list[Dependency]]:
    """For each entry (its id and validated plaintext, or None where it could not be
    opened), the other entries of the same batch it needs: by position in the batch."""
    intakes: dict[str, int] = {}
    positions: dict[str, int] = {}
    for index, entry in enumerate(opened):
        if entry is None:
            continue
        entry_id, plaintext = entry
        positions.setdefault(entry_id.lower(), index)
        case = _key(plaintext.get("case"))
        if ENTRY_TYPES[plaintext["type"]].case == "new" and case:
            intakes.setdefault(case, index)

    needs: dict[int, list[Dependency]] = {}
    for index, entry in enumerate(opened):
        if entry is None:
            continue
        _entry_id, plaintext = entry
        fields = plaintext.get("fields") or {}
        wanted = [
            (_at(intakes, case), "unknown_case", CASE_INTAKE_WAITING)
            for case in [plaintext.get("case"), *(fields.get("linked_cases") or [])]
        ]
        wanted += [
            (_at(positions, plaintext.get("revises")), "unknown_revision", ENTRY_WAITING),
            (_at(positions, fields.get("hearing")), "unknown_hearing", ENTRY_WAITING),
        ]
        found = [
            Dependency(other, code, reason)
            for other, code, reason in wanted
            if other is not None and other != index
        ]
        if found:
            needs[index] = found
    return needs


def settling_order(pending: set[int], needs: dict[int, list[Dependency]]) -> list[int]:
    """The refused entries to look at again, each after those of them it needs (a cycle,
    which no order can satisfy, is broken at its first entry)."""
    order: list[int] = []
    left = set(pending)
    while left:
        ready = sorted(i for i in left if not any(d.index in left for d in needs.get(i, ())))
        ready = ready or [min(left)]
        order += ready
        left -= set(ready)
    return order


def waited_for(index: int, result: dict, needs: dict[int, list[Dependency]]) -> list[Dependency]:
    """The entries of the batch that could be why this result is a refusal."""
    error = result.get("error")
    if result.get("status") != "rejected" or not isinstance(error, dict):
        return []
    return [d for d in needs.get(index, ()) if d.code == error.get("code")]


def waiting_result(entry_id: str | None, reason: str, waits_for: str) -> dict:
    """A refusal the phone sends again (`busy`), saying which entry of the batch it waits
    for. `reason` and `waits_for` extend the result (CONTRACT.md: extend, never break)."""
    return {
        "id": entry_id,
        "status": "rejected",
        "error": {
            "code": "busy",
            "message": "This entry waits for another one of the batch that could not be "
            "stored yet; retry.",
        },
        "reason": reason,
        "waits_for": waits_for,
    }
