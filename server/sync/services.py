"""Sync: unseal, validate and store each envelope of a batch, one result per envelope.

One bad envelope never harms the others: every failure is caught per entry and answered
as `rejected` with a code and a message that quotes no submitted content.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from server.accounts.sessions import load_user
from server.core.identity import CurrentUser
from server.core.json_input import JSONInputError, read_json
from server.core.rejection import Rejection
from server.entries.definitions import PlaintextError, validate_plaintext
from server.entries.services import existing_digest, intake_case_code, store_entry
from server.notifications.services import notify_entries_waiting
from server.sealing.envelope import parse_envelope, unseal
from server.sealing.keys import key_ring
from server.sync.dependencies import (
    batch_dependencies,
    is_retryable,
    is_stored,
    settling_order,
    waited_for,
    waiting_result,
)

log = logging.getLogger("alongside.sync")

MAX_ENTRIES = 100
MAX_BYTES = 2 * 1024 * 1024


class BatchError(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_batch(body: bytes) -> list:
    """The list of envelopes of a request body, or BatchError(400/413)."""
    if len(body) > MAX_BYTES:
        raise BatchError(413, "The batch is larger than 2 MiB.")
    try:
        data = read_json(body)
    except JSONInputError as error:
        # Too deep, NaN, a lone surrogate…: a permanent fault of the body, never a retry.
        raise BatchError(
            400, f"The body is not JSON this server accepts: {error.message}"
        ) from error
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise BatchError(400, 'The body must be {"entries": [envelope, …]}.')
    if len(data["entries"]) > MAX_ENTRIES:
        raise BatchError(413, f"At most {MAX_ENTRIES} entries per request.")
    return data["entries"]


@dataclass(frozen=True)
class Opened:
    envelope: object
    plaintext: dict


def open_and_validate(item: object) -> Opened:
    envelope = parse_envelope(item)
    plaintext_bytes = unseal(envelope, key_ring())
    try:
        plaintext = read_json(plaintext_bytes)
    except JSONInputError as error:
        # The phone sealed something no retry can repair: `rejected`, shown as failed.
        raise PlaintextError(
            "invalid_plaintext", f"The sealed content is not UTF-8 JSON: {error.message}"
        ) from error
    return Opened(envelope, validate_plaintext(plaintext))


# An id of a refused entry is echoed so the phone can tell which one failed, but only up to
# this length: a UUID is 36 characters, and a megabyte "id" must not come back as a
# megabyte answer. Longer ids (and ids that are not strings) are answered as null; the
# results keep the request's order, which is what identifies them then.
ECHOED_ID_MAX = 64


def echoed_id(entry_id: object) -> str | None:
    return entry_id if isinstance(entry_id, str) and len(entry_id) <= ECHOED_ID_MAX else None


def _rejected(entry_id: object, code: str, message: str) -> dict:
    return {
        "id": echoed_id(entry_id),
        "status": "rejected",
        "error": {"code": code, "message": message},
    }


async def ingest_one(item: object, author: CurrentUser, device_id: str | None) -> dict:
    result, _opened = await _ingest(item, author, device_id)
    return result


async def _ingest(
    item: object, author: CurrentUser, device_id: str | None
) -> tuple[dict, Opened | None]:
    """The result of one envelope, with its opened content when it got that far (what the
    batch needs to see which entries wait for which)."""
    entry_id = item.get("id") if isinstance(item, dict) else None
    opened = None
    try:
        envelope = parse_envelope(item)
        # A retry of something stored is answered before any decryption work.
        digest = await existing_digest(envelope.id)
        if digest is not None:
            if digest != envelope.digest:
                return {"id": envelope.id, "status": "conflict"}, None
            result = {"id": envelope.id, "status": "duplicate"}
            # A retried intake (the phone lost the first answer) learns its case code here.
            case_code = await intake_case_code(envelope.id, author)
            if case_code:
                result["case_code"] = case_code
            return result, None
        opened = open_and_validate(item)
        stored = await store_entry(opened.envelope, opened.plaintext, author, device_id)
        result = {"id": envelope.id, "status": stored.status}
        if stored.case_code:
            result["case_code"] = stored.case_code
        return result, opened
    except Rejection as error:
        return _rejected(entry_id, error.code, error.message), opened
    except RecursionError:
        # Input nested too deep for some check: it will be just as deep on every retry.
        return _rejected(entry_id, "too_deep", "The entry is nested too deeply."), opened
    except Exception as error:  # one broken entry must not take the batch down
        log.error("sync: entry failed with %s", type(error).__name__)
        return _rejected(
            entry_id, "server_error", "The server could not store this entry; retry."
        ), opened


def _open_quietly(item: object) -> Opened | None:
    """The content of an envelope that failed before it was opened (a fault of the server,
    such as the database not answering): only to know which case it opens."""
    try:
        return open_and_validate(item)
    except Exception:  # it failed already; this is only bookkeeping
        return None


async def settle_waiting(
    items: list,
    outcomes: list[tuple[dict, Opened | None]],
    author: CurrentUser,
    device_id: str | None,
) -> list[dict]:
    """The results of a batch once entries that need another entry of it are settled: one
    that came before what it needs is tried again now that the batch is in; one whose
    intake (or revised entry) got a retryable result waits for it, answered `busy`."""
    results = [result for result, _opened in outcomes]
    opened = [
        opened if opened is not None or not is_retryable(result) else _open_quietly(item)
        for item, (result, opened) in zip(items, outcomes, strict=True)
    ]
    needs = batch_dependencies(
        [(entry.envelope.id, entry.plaintext) if entry else None for entry in opened]
    )
    pending = {index for index in needs if waited_for(index, results[index], needs)}
    tried_again: set[int] = set()
    for index in settling_order(pending, needs):
        dependencies = waited_for(index, results[index], needs)
        if any(
            (d.index > index or d.index in tried_again) and is_stored(results[d.index])
            for d in dependencies
        ):
            # What it needs was stored after it was tried (later in the batch): once more.
            results[index], _ = await _ingest(items[index], author, device_id)
            tried_again.add(index)
            dependencies = waited_for(index, results[index], needs)
        waiting = next((d for d in dependencies if is_retryable(results[d.index])), None)
        if waiting is not None:
            results[index] = waiting_result(
                results[index]["id"], waiting.reason, opened[waiting.index].envelope.id
            )
    return results


async def ingest_batch(items: list, user_id: int, device_id: str | None) -> list[dict]:
    author = await load_user(user_id)
    if author is None:
        return [
            _rejected(
                i.get("id") if isinstance(i, dict) else None, "forbidden", "Account disabled."
            )
            for i in items
        ]
    outcomes = [await _ingest(item, author, device_id) for item in items]
    results = await settle_waiting(items, outcomes, author, device_id)
    if any(result["status"] == "stored" for result in results):
        # Once per batch, not per entry: it is at most one unread line per supervisor anyway,
        # and per entry it was a write transaction for each of the team's supervisors —
        # a fifth of the time of a day's backlog.
        await notify_entries_waiting(author.team_id)
    return results
