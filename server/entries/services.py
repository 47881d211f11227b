"""Storing sealed entries with their clear metadata, and opening them for those allowed."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from server.audit.services import record
from server.cases.services import assign_new_code, create_case_from_intake
from server.cases.tables import Case
from server.core.identity import CurrentUser
from server.core.rejection import Rejection
from server.entries.access import visible_case
from server.entries.definitions import (
    ENTRY_TYPES,
    clear_metadata,
    parse_date,
    parse_datetime,
)
from server.entries.tables import Entry
from server.risk.scoring import risk_columns
from server.sealing.envelope import Envelope, b64url_decode, b64url_encode, unseal
from server.sealing.keys import key_ring

try:  # the PostgreSQL driver's unique violation, when it is installed
    from asyncpg.exceptions import UniqueViolationError
except ImportError:  # pragma: no cover
    UniqueViolationError = sqlite3.IntegrityError  # type: ignore[misc,assignment]

UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, UniqueViolationError)


class EntryError(Rejection):
    """The entry is valid but may not be stored (case, revision, role)."""


@dataclass(frozen=True)
class Stored:
    status: str  # stored, duplicate, conflict
    case_code: str | None = None


async def existing_digest(entry_id: str) -> str | None:
    row = await Entry.select(Entry.digest).where(Entry.id == uuid.UUID(entry_id)).first()
    return row["digest"] if row else None


async def intake_case_code(entry_id: str, author: CurrentUser) -> str | None:
    """The code of the case this author opened with that intake entry, if any: a retried
    intake (the phone lost the first answer) learns its code from the `duplicate` answer."""
    row = (
        await Case.select(Case.code)
        .where((Case.intake_entry == uuid.UUID(entry_id)) & (Case.opened_by == author.id))
        .first()
    )
    return row["code"] if row else None


def _write_transaction(engine: Engine):
    """A transaction for writing. On SQLite it takes the write lock at BEGIN: a deferred
    transaction that reads and then writes fails at once with "database is locked" when
    another connection wrote in between, instead of waiting its turn."""
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def _check_case(plaintext: dict, author: CurrentUser, entry_id: str) -> dict | None:
    entry_type = ENTRY_TYPES[plaintext["type"]]
    if entry_type.case == "new":
        # A case opened by this very intake is a copy of it being stored at the same time
        # (a retry sent while the first request was still being served): the insert below
        # answers it `duplicate`, never `case_exists`, which the phone keeps as failed.
        if await Case.exists().where(
            (Case.id == uuid.UUID(plaintext["case"]))
            & ((Case.intake_entry != uuid.UUID(entry_id)) | Case.intake_entry.is_null())
        ):
            raise EntryError("case_exists", "A case with this id exists already.")
        return None
    if entry_type.case == "required":
        case = await visible_case(
            author, plaintext["case"], Case.id, Case.region, Case.status, Case.consent_sharing
        )
        if case is None:
            raise EntryError("unknown_case", "No case of yours has this id or code.")
        # Sharing consent (the intake's, or the latest `consent` entry's, kept clear on the
        # case) is held to in `server.providers.services.check_referral`.
        # Imported here: privacy builds on entries, not the other way round.
        from server.privacy.tables import CaseErasure

        if await CaseErasure.exists().where(CaseErasure.case == case["id"]):
            raise EntryError("case_erased", "This case was erased; nothing can be added to it.")
        return case
    return None


async def _check_linked_cases(plaintext: dict, author: CurrentUser) -> None:
    for reference in plaintext["fields"].get("linked_cases") or []:
        if await visible_case(author, reference, Case.id) is None:
            raise EntryError("unknown_case", "A linked case is not one of yours.")


async def _check_revision(plaintext: dict, author: CurrentUser, case: dict | None) -> str | None:
    """The root of the chain this entry continues, after checking that it may."""
    revises = plaintext.get("revises")
    if not revises:
        return None
    prior = (
        await Entry.select(Entry.id, Entry.root, Entry.author, Entry.type, Entry.case)
        .where(Entry.id == uuid.UUID(revises))
        .first()
    )
    same_case = prior is not None and (
        (case is None and prior["case"] is None)
        or (case is not None and prior["case"] == case["id"])
    )
    if (
        prior is None
        or prior["author"] != author.id
        or prior["type"] != plaintext["type"]
        or not same_case
    ):
        raise EntryError("unknown_revision", "The entry this one corrects is not one of yours.")
    return str(prior["root"] or prior["id"])


# The sealed fields of a trip made for the work (server.entries.definitions TRIP).
TRIP_KEYS = ("trip_from", "trip_to")

# Entries that may schedule a hearing (`next_hearing_at`): what a `hearing` field may name.
SCHEDULING_TYPES = ("accompaniment", "hearing_update")


async def _check_hearing(plaintext: dict, case: dict | None) -> str | None:
    """The root of the chain of the entry that scheduled the hearing this one names (any of
    its versions may be named; the hearing is keyed by the root), after checking that it is
    an accompaniment or hearing update of the same case."""
    named = plaintext["fields"].get("hearing")
    if not named:
        return None
    prior = (
        await Entry.select(Entry.id, Entry.root, Entry.type, Entry.case)
        .where(Entry.id == uuid.UUID(named))
        .first()
    )
    if (
        prior is None
        or case is None
        or prior["case"] != case["id"]
        or prior["type"] not in SCHEDULING_TYPES
    ):
        raise EntryError("unknown_hearing", "The hearing this entry names is not of this case.")
    return str(prior["root"] or prior["id"])


def _clear_columns(
    plaintext: dict, case: dict | None, hearing_root: str | None = None
) -> dict[str, Any]:
    fields = plaintext["fields"]
    details = clear_metadata(plaintext)
    if hearing_root is not None:
        details["hearing"] = hearing_root  # the deadline's key, whichever version was named
    if any(item.key in TRIP_KEYS for item in ENTRY_TYPES[plaintext["type"]].fields):
        # Whether there is a trip, never where to: the monthly report then opens only the
        # entries that carry one, not every visit of the month (server.travel). Entries
        # stored before this have no `trip` at all, and are opened as before.
        details["trip"] = any(fields.get(key) for key in TRIP_KEYS)
    region = (case or {}).get("region") or fields.get("region") or ""
    # Risk assessments are scored here with the instrument version they name; triggers
    # make a reassessment due (server.risk.scoring). Raises AssessmentError (a Rejection).
    risk = risk_columns(plaintext)
    details.update(risk.get("details", {}))
    return {
        "details": json.dumps(details),
        "region": region,
        "due_at": parse_datetime(fields.get("next_hearing_at")),
        "due_on": risk.get("due_on") or parse_date(fields.get("follow_up_on")),
        "risk_level": risk.get("risk_level", ""),
    }


async def store_entry(
    envelope: Envelope, plaintext: dict, author: CurrentUser, device_id: str | None
) -> Stored:
    """Store a validated entry with its audit events (`create_entry`, and `open_case` for an
    intake); the caller tells the supervisors (`notify_entries_waiting`), once per batch.
    Idempotent on the entry id: the database's primary key decides between concurrent
    copies, never a check made before the insert."""
    entry_type = ENTRY_TYPES[plaintext["type"]]
    if author.role not in entry_type.roles:
        raise EntryError("forbidden", "Your role does not write this kind of entry.")
    if not entry_type.is_for(author.role, author.country):
        raise EntryError("not_in_country", "Teams of your country do not log this kind of entry.")
    case = await _check_case(plaintext, author, envelope.id)
    await _check_linked_cases(plaintext, author)
    root = await _check_revision(plaintext, author, case)
    hearing_root = await _check_hearing(plaintext, case)
    if plaintext["type"] == "referral":
        # Imported here: the directory builds on entries' categories.
        from server.providers.services import check_referral

        await check_referral(plaintext, case, author.country)
    clear = _clear_columns(plaintext, case, hearing_root)

    for _attempt in range(5):
        case_code = None
        try:
            async with _write_transaction(engine_finder()):
                case_id = case["id"] if case else None
                if entry_type.case == "new":
                    case_id = plaintext["case"]
                    case_code = await assign_new_code(author.country, plaintext["occurred_at"])
                    await create_case_from_intake(
                        case_id, case_code, plaintext, author, envelope.id
                    )
                await Entry.insert(
                    Entry(
                        id=uuid.UUID(envelope.id),
                        type=plaintext["type"],
                        case=case_id,
                        author=author.id,
                        team=author.team_id,
                        device=device_id,
                        occurred_at=parse_datetime(plaintext["occurred_at"]),
                        received_at=datetime.now(UTC),
                        revises=plaintext.get("revises"),
                        root=root or envelope.id,
                        status="submitted",
                        envelope_kid=envelope.kid,
                        key_kid=envelope.kid,
                        wrapped_key=b64url_encode(envelope.wrapped_key),
                        iv=b64url_encode(envelope.iv),
                        ciphertext=b64url_encode(envelope.ciphertext),
                        digest=envelope.digest,
                        **clear,
                    )
                )
                if plaintext["type"] == "consent":
                    # Imported here: privacy builds on entries, not the other way round.
                    from server.privacy.services import apply_consent

                    await apply_consent(case_id, plaintext["fields"])
                # The audit events commit with the entry or not at all: a process killed
                # between two commits left a stored entry that nobody submitted, and the
                # phone's retry only hears `duplicate`, which records nothing.
                await record("create_entry", author, "entry", envelope.id)
                if case_code:
                    await record("open_case", author, "case", case_code)
            return Stored("stored", case_code)
        except UNIQUE_VIOLATIONS as violation:
            digest = await existing_digest(envelope.id)
            if digest is not None:
                if digest != envelope.digest:
                    return Stored("conflict")
                return Stored("duplicate", await intake_case_code(envelope.id, author))
            if entry_type.case == "new" and await Case.exists().where(
                Case.id == uuid.UUID(plaintext["case"])
            ):
                # Another intake opened the same case id meanwhile: retrying cannot help.
                raise EntryError(
                    "case_exists", "A case with this id exists already."
                ) from violation
            # Two intakes took the same case code at once: take the next one.
            continue
    raise EntryError("busy", "The server is busy; try again.")


def stored_envelope(row: dict) -> Envelope:
    return Envelope(
        id=str(row["id"]),
        kid=row["envelope_kid"],
        wrapped_key=b64url_decode(row["wrapped_key"]),
        iv=b64url_decode(row["iv"]),
        ciphertext=b64url_decode(row["ciphertext"]),
    )


ENVELOPE_COLUMNS = (
    Entry.id,
    Entry.envelope_kid,
    Entry.key_kid,
    Entry.wrapped_key,
    Entry.iv,
    Entry.ciphertext,
)


def is_erased(row: dict) -> bool:
    """Erased by key destruction (server.privacy): the wrapped key is gone for good."""
    return not row["wrapped_key"]


def open_entry(row: dict) -> dict:
    """The plaintext of a stored entry (the caller has checked who may see it). An erased
    entry has nothing left to open: it reads as an entry without fields."""
    if is_erased(row):
        return {"fields": {}, "erased": True}
    return json.loads(unseal(stored_envelope(row), key_ring(), wrapping_kid=row["key_kid"]))
