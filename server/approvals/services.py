"""Approving and returning entries, the supervisor's queue, and the history of versions.

Every entry moves `submitted → approved` or `submitted → returned`; a returned entry is
corrected by a new version (`revises`) that waits again. A decision is final for its
version: the `Decision` row is unique per entry, and the entry's status changes in the same
transaction, so two supervisors deciding at once cannot both win.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from piccolo.engine import engine_finder

from server.accounts.tables import User
from server.approvals.counting import latest_version_condition
from server.approvals.tables import Decision
from server.audit.services import record
from server.core.i18n import gettext as _
from server.core.identity import CurrentUser
from server.entries.access import visible_entries
from server.entries.definitions import ENTRY_TYPES
from server.entries.presentation import has_identity, withhold_identity
from server.entries.services import (
    ENVELOPE_COLUMNS,
    UNIQUE_VIOLATIONS,
    _write_transaction,
    open_entry,
)
from server.entries.tables import Entry
from server.notifications.services import notify
from server.sealing.texts import open_text, seal_text

DECISIONS = ("approved", "returned")
MAX_COMMENT = 2000
# The queue shows the oldest this many: a supervisor works through about 40 at a sitting.
QUEUE_LIMIT = 100


class DecisionError(Exception):
    """A decision that may not be made: `status` is the HTTP status a route answers with
    (404 not yours to decide, 409 already decided or superseded, 422 bad input)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Decided:
    entry_id: str
    decision: str
    author_id: int
    entry_type: str


def _parse_id(entry_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(entry_id))
    except (ValueError, TypeError, AttributeError):
        return None


async def decide(user: CurrentUser, entry_id: str, decision: str, comment: str = "") -> Decided:
    """Approve or return one version of an entry, as `user`.

    Only a supervisor of the entry's team decides; anyone else learns nothing (404). A
    returned entry needs a comment. A version decided already, or one that a later version
    has replaced, is refused with 409 and nothing changes.
    """
    if decision not in DECISIONS:
        raise DecisionError(400, _("Approve or return: there is no other decision."))
    parsed = _parse_id(entry_id)
    if parsed is None or user.role != "supervisor" or user.team_id is None:
        raise DecisionError(
            404, _("Nothing is here. The page may have moved, or it is not yours to see.")
        )
    comment = (comment or "").strip()
    try:
        async with _write_transaction(engine_finder()):
            entry = (
                await Entry.select(
                    Entry.id,
                    Entry.status,
                    Entry.author,
                    Entry.type,
                    Entry.root,
                    Entry.received_at,
                )
                .where((Entry.id == parsed) & (Entry.team == user.team_id))
                .first()
            )
            if entry is None:
                raise DecisionError(
                    404, _("Nothing is here. The page may have moved, or it is not yours to see.")
                )
            if entry["status"] != "submitted" or await Decision.exists().where(
                Decision.entry == parsed
            ):
                raise DecisionError(409, _("This version has been decided already."))
            superseded = await Entry.exists().where(
                (Entry.root == entry["root"]) & (Entry.received_at > entry["received_at"])
            )
            if superseded:
                raise DecisionError(
                    409, _("A newer version of this entry exists: decide on that one.")
                )
            if decision == "returned" and not comment:
                raise DecisionError(
                    422, _("Say what needs correcting: a returned entry needs a comment.")
                )
            if len(comment) > MAX_COMMENT:
                raise DecisionError(
                    422,
                    _("The comment is too long: at most %(count)s characters.", count=MAX_COMMENT),
                )
            inserted = await Decision.insert(
                Decision(
                    entry=parsed,
                    decision=decision,
                    decided_by=user.id,
                    team=user.team_id,
                    decided_at=datetime.now(UTC),
                )
            ).returning(Decision.id)
            if comment:
                # Sealed as this decision (its id is in the additional data), in the same
                # transaction: the comment is never written in clear, not even briefly.
                decision_id = inserted[0]["id"]
                sealed = seal_text(comment, sealed_as(decision_id))
                await Decision.update(
                    {
                        Decision.comment_sealed: sealed.envelope,
                        Decision.comment_key_kid: sealed.key_kid,
                    }
                ).where(Decision.id == decision_id)
            await Entry.update({Entry.status: decision}).where(
                (Entry.id == parsed) & (Entry.status == "submitted")
            )
    except UNIQUE_VIOLATIONS as violation:
        # Another supervisor's decision on this version was stored first.
        raise DecisionError(409, _("This version has been decided already.")) from violation

    await record(
        "approve_entry" if decision == "approved" else "return_entry", user, "entry", str(parsed)
    )
    if decision == "returned":
        # The comment is free text: the notification only links to it.
        await notify(
            entry["author"], "entry_returned", f"/entries/{parsed}", {"type": entry["type"]}
        )
    return Decided(str(parsed), decision, entry["author"], entry["type"])


# --- The queue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    type: str = ""
    coordinator: str = ""
    case: str = ""
    region: str = ""
    waiting_days: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.type or self.coordinator or self.case or self.region or self.waiting_days)


def _waiting_condition(user: CurrentUser):
    return (Entry.team == user.team_id) & (Entry.status == "submitted") & latest_version_condition()


def waiting_query(user: CurrentUser, *columns):
    """The supervisor's team's entries that wait for a decision, as a query of `columns`."""
    return Entry.select(*columns).where(_waiting_condition(user))


async def waiting_count(user: CurrentUser, received_by: datetime | None = None) -> int:
    """How many entries wait for the supervisor's decision (all of them, not only the
    QUEUE_LIMIT shown); with `received_by`, those received by then."""
    if user.role != "supervisor" or user.team_id is None:
        return 0
    query = Entry.count().where(_waiting_condition(user))
    if received_by is not None:
        query = query.where(Entry.received_at <= received_by)
    return await query


async def waiting_entries(
    user: CurrentUser,
    filters: QueueFilters = QueueFilters(),
    now: datetime | None = None,
    *,
    limit: int = QUEUE_LIMIT,
) -> list[dict]:
    """The entries of the supervisor's team that wait for a decision, oldest first: only the
    latest version of each chain (a version corrected before anyone decided is replaced).
    At most `limit` of them."""
    if user.role != "supervisor" or user.team_id is None:
        return []
    query = waiting_query(
        user,
        Entry.id,
        Entry.type,
        Entry.occurred_at,
        Entry.received_at,
        Entry.region,
        Entry.revises,
        Entry.case.code,
        Entry.author.username,
    )
    if filters.type:
        query = query.where(Entry.type == filters.type)
    if filters.coordinator:
        query = query.where(Entry.author.username == filters.coordinator)
    if filters.case:
        query = query.where(Entry.case.code == filters.case)
    if filters.region:
        query = query.where(Entry.region == filters.region)
    if filters.waiting_days:
        now = now or datetime.now(UTC)
        query = query.where(Entry.received_at <= now - timedelta(days=filters.waiting_days))
    return await query.order_by(Entry.received_at).limit(limit)


async def queue_counts(user: CurrentUser) -> dict:
    """Counts of the whole queue (not filtered): in total, by type, by coordinator, by
    region — what the filter choices show beside each option."""
    counts: dict = {"total": 0, "type": {}, "coordinator": {}, "region": {}}
    if user.role != "supervisor" or user.team_id is None:
        return counts
    rows = await waiting_query(user, Entry.type, Entry.region, Entry.author.username)
    for row in rows:
        counts["total"] += 1
        for key, value in (
            ("type", row["type"]),
            ("coordinator", row["author.username"]),
            ("region", row["region"]),
        ):
            if value:
                counts[key][value] = counts[key].get(value, 0) + 1
    return counts


async def next_waiting(user: CurrentUser, after: str | None = None) -> str | None:
    """The oldest waiting entry other than `after`: where "next" goes after a decision."""
    rows = await waiting_entries(user)
    for row in rows:
        if str(row["id"]) != (after or ""):
            return str(row["id"])
    return None


# --- Versions and decisions -----------------------------------------------------------------

# What a read of a decision's comment selects: the row's id names the sealed text.
COMMENT_COLUMNS = (Decision.id, Decision.comment_sealed, Decision.comment_key_kid)


def sealed_as(decision_id: int) -> str:
    return f"decision:{decision_id}"


def with_comment(row: dict) -> dict:
    """The row with its comment unsealed as `comment` (in place of the sealed columns), for
    a reader the caller has checked may see the entry."""
    row["comment"] = open_text(
        row.pop("comment_sealed"), row.pop("comment_key_kid"), sealed_as(row.pop("id"))
    )
    return row


async def history(root: str | uuid.UUID) -> list[dict]:
    """Every version of a chain, oldest first, each with its decision (who, when, comment)
    or None while it waits. The caller has checked that the user may see the entry."""
    versions = await (
        Entry.select(
            Entry.id,
            Entry.type,
            Entry.status,
            Entry.revises,
            Entry.received_at,
            Entry.author.username,
        )
        .where(Entry.root == root)
        .order_by(Entry.received_at)
    )
    if not versions:
        return []
    decisions = await Decision.select(
        Decision.entry,
        Decision.decision,
        *COMMENT_COLUMNS,
        Decision.decided_at,
        Decision.decided_by.username,
    ).where(Decision.entry.is_in([version["id"] for version in versions]))
    by_entry = {str(row["entry"]): with_comment(row) for row in decisions}
    for number, version in enumerate(versions, start=1):
        version["number"] = number
        version["decision"] = by_entry.get(str(version["id"]))
    return versions


async def return_comment(user: CurrentUser, entry_id: str) -> dict | None:
    """The return decision on one of the user's own entries (for the correction form)."""
    parsed = _parse_id(entry_id)
    if parsed is None:
        return None
    row = (
        await Decision.select(*COMMENT_COLUMNS, Decision.decided_at, Decision.entry.type)
        .where(
            (Decision.entry == parsed)
            & (Decision.decision == "returned")
            & (Decision.entry.author == user.id)
        )
        .first()
    )
    return with_comment(row) if row else None


async def correction_prefill(
    user: CurrentUser, entry_id: str, entry_type: str, *, show_identity: bool = False
) -> dict | None:
    """What the coordinator wrote in one of their own entries, to start its correction from
    (online only: the page that carries it is never cached). None unless the entry is the
    user's own, of this type, and was returned to them. Who the person is stays out unless
    `show_identity` (an audited reveal, as on the entry page)."""
    parsed = _parse_id(entry_id)
    if parsed is None:
        return None
    row = (
        await Entry.select(*ENVELOPE_COLUMNS, Entry.case.code)
        .where(
            (Entry.id == parsed)
            & (Entry.author == user.id)
            & (Entry.type == entry_type)
            & (Entry.status == "returned")
        )
        .first()
    )
    if row is None:
        return None
    plaintext = open_entry(row)
    fields = plaintext.get("fields") or {}
    definition = ENTRY_TYPES[entry_type]
    return {
        "case": row["case.code"] or plaintext.get("case"),
        "occurred_at": plaintext.get("occurred_at"),
        "fields": fields if show_identity else withhold_identity(definition, fields),
        "identity_withheld": has_identity(definition) and not show_identity,
    }


def returned_query(user: CurrentUser):
    """The user's returned entries not corrected yet, oldest first, at most QUEUE_LIMIT (None
    when the user may see none)."""
    query = visible_entries(
        user,
        Entry.select(
            Entry.id, Entry.type, Entry.occurred_at, Entry.case.code, Entry.received_at
        ).where(
            (Entry.author == user.id) & (Entry.status == "returned") & latest_version_condition()
        ),
    )
    return None if query is None else query.order_by(Entry.received_at).limit(QUEUE_LIMIT)


async def returned_to(user: CurrentUser) -> list[dict]:
    """The user's returned entries not corrected yet, with the supervisor's comment, oldest
    decision first: what the coordinator still has to correct."""
    query = returned_query(user)
    if query is None:
        return []
    rows = await query
    if not rows:
        return rows
    decisions = await Decision.select(
        Decision.entry, *COMMENT_COLUMNS, Decision.decided_at, Decision.decided_by.username
    ).where(Decision.entry.is_in([row["id"] for row in rows]))
    by_entry = {str(row["entry"]): with_comment(row) for row in decisions}
    for row in rows:
        row["decision"] = by_entry.get(str(row["id"]))
    rows.sort(
        key=lambda row: row["decision"]["decided_at"] if row["decision"] else row["received_at"]
    )
    return rows


async def review(user: CurrentUser, entry: dict) -> dict:
    """What the entry page shows around an entry: the versions and decisions of its chain,
    whether this user may decide on it now, and (for supervisors) the case's timeline."""
    row = (
        await Entry.select(Entry.root, Entry.team, Entry.case, Entry.status)
        .where(Entry.id == entry["id"])
        .first()
    )
    versions = await history(row["root"] or entry["id"])
    latest = versions[-1]["id"] if versions else entry["id"]
    can_decide = (
        user.role == "supervisor"
        and user.team_id == row["team"]
        and row["status"] == "submitted"
        and str(latest) == str(entry["id"])
    )
    timeline: list[dict] = []
    if user.role == "supervisor" and row["case"] is not None:
        query = visible_entries(
            user,
            Entry.select(
                Entry.id, Entry.type, Entry.status, Entry.occurred_at, Entry.author.username
            ).where((Entry.case == row["case"]) & latest_version_condition()),
        )
        timeline = [] if query is None else await query.order_by(Entry.occurred_at).limit(50)
        for item in timeline:
            item["label"] = str(ENTRY_TYPES[item["type"]].label)
    latest_return = next(
        (
            version["decision"]
            for version in reversed(versions)
            if str(version["id"]) == str(entry["id"])
            and version["decision"]
            and version["decision"]["decision"] == "returned"
        ),
        None,
    )
    return {
        "versions": versions,
        "can_decide": can_decide,
        "is_latest": str(latest) == str(entry["id"]),
        "latest_id": str(latest),
        "timeline": timeline,
        "returned": latest_return,
        "can_correct": latest_return is not None
        and user.id == entry.get("author")
        and str(latest) == str(entry["id"]),
        "entry_type_label": str(ENTRY_TYPES[entry["type"]].label),
    }


async def coordinators(user: CurrentUser) -> list[str]:
    """Usernames of the team's coordinators and shelter staff, for the queue's filter."""
    if user.team_id is None:
        return []
    rows = (
        await User.select(User.username)
        .where((User.team == user.team_id) & User.role.is_in(["coordinator", "shelter"]))
        .order_by(User.username)
    )
    return [row["username"] for row in rows]
