"""Retention and erasure by key destruction: the rules, without HTTP.

Every entry is sealed with its own AES key, wrapped by the RSA sealing key. Erasing a case
destroys, for every entry of the case, the wrapped key together with the IV and the
ciphertext: no key anywhere opens them again. What stays is what reports and indicators
already count — the case's code and categories, each entry's type, dates, status and clear
`details` (categories and counts only) — so that past figures do not change.

The retention period runs from a case's closing: ALONGSIDE_RETENTION_DAYS, or the team's
own period. A daily review tells each team's supervisors that cases are due (no case
content in the notification); a supervisor then confirms (erases) or extends with a reason.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

from server.accounts.tables import Team
from server.approvals.tables import Decision
from server.cases.tables import Case, CaseLabel
from server.core.identity import CurrentUser
from server.entries.services import UNIQUE_VIOLATIONS, _write_transaction
from server.entries.tables import Entry
from server.privacy.tables import CaseErasure, RetentionExtension, RetentionReview, TeamRetention
from server.sealing.unwrapped import forget_all
from server.settings import get_settings

logger = logging.getLogger("alongside.privacy")

ERASURE_BASES = ("retention_ended", "person_request")
EXTENSION_REASONS = ("legal_proceedings", "person_asked")
# The longest a single extension may run: a decision that is looked at again, not forever.
MAX_EXTENSION_DAYS = 366 * 3


class PrivacyError(ValueError):
    """A decision that the rules do not allow; the code says which rule."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- Retention -------------------------------------------------------------------------------


async def retention_days(team_id: int | None) -> int:
    """The team's own period where it has one, else the deployment's."""
    if team_id is not None:
        row = (
            await TeamRetention.select(TeamRetention.days)
            .where(TeamRetention.team == team_id)
            .first()
        )
        if row:
            return row["days"]
    return get_settings().retention_days


async def set_team_retention(team_id: int, days: int | None) -> None:
    """A team's own period; None goes back to the deployment's."""
    if days is None:
        await TeamRetention.delete().where(TeamRetention.team == team_id)
        return
    if not 30 <= days <= 36500:
        raise PrivacyError("retention_days")
    if await TeamRetention.exists().where(TeamRetention.team == team_id):
        await TeamRetention.update({TeamRetention.days: days}).where(TeamRetention.team == team_id)
    else:
        await TeamRetention.insert(TeamRetention(team=team_id, days=days))


def _day(moment: datetime | None) -> date | None:
    return moment.astimezone(UTC).date() if moment else None


async def extended_until(case_id: uuid.UUID) -> date | None:
    row = (
        await RetentionExtension.select(RetentionExtension.until)
        .where(RetentionExtension.case == case_id)
        .order_by(RetentionExtension.decided_at, ascending=False)
        .first()
    )
    return row["until"] if row else None


@dataclass(frozen=True)
class Retention:
    """Where a closed case stands: when it is due for erasure and whether it is due now."""

    period_days: int
    due_on: date | None  # None: the case is open
    extended_until: date | None

    def is_due(self, today: date) -> bool:
        if self.due_on is None or self.due_on > today:
            return False
        return self.extended_until is None or self.extended_until <= today


async def retention_of(case: dict) -> Retention:
    days = await retention_days(case["team"])
    closed = _day(case["closed_at"]) if case["status"] == "closed" else None
    return Retention(
        period_days=days,
        due_on=closed + timedelta(days=days) if closed else None,
        extended_until=await extended_until(case["id"]),
    )


async def due_cases(team_id: int, today: date) -> list[dict]:
    """The team's closed, not yet erased cases whose period has run out (and any extension
    with it), oldest closing first. Two queries whatever the number of cases."""
    days = await retention_days(team_id)
    # Closed before the end of the day `days` ago (UTC): due on or before today.
    cutoff = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), UTC)
    erased = CaseErasure.select(CaseErasure.case)
    rows = (
        await Case.select(Case.id, Case.code, Case.team, Case.status, Case.closed_at)
        .where(
            (Case.team == team_id)
            & (Case.status == "closed")
            & (Case.closed_at < cutoff)
            & Case.id.not_in(erased)
        )
        .order_by(Case.closed_at)
    )
    if not rows:
        return []
    latest: dict = {}
    for extension in (
        await RetentionExtension.select(RetentionExtension.case, RetentionExtension.until)
        .where(RetentionExtension.case.is_in([row["id"] for row in rows]))
        .order_by(RetentionExtension.decided_at)
    ):
        latest[extension["case"]] = extension["until"]
    due = []
    for case in rows:
        retention = Retention(
            days, _day(case["closed_at"]) + timedelta(days=days), latest.get(case["id"])
        )
        if retention.is_due(today):
            due.append({**case, "due_on": retention.due_on})
    return due


async def extend_retention(
    case: dict, user: CurrentUser, until: date, reason: str, today: date | None = None
) -> None:
    """Keep a closed case past its period, for a reason the law accepts."""
    today = today or datetime.now(UTC).date()
    if not may_decide(user, case):
        raise PrivacyError("not_yours")
    if await erasure_of(case["id"]) is not None:
        raise PrivacyError("erased")
    if reason not in EXTENSION_REASONS:
        raise PrivacyError("reason")
    if until <= today or until > today + timedelta(days=MAX_EXTENSION_DAYS):
        raise PrivacyError("until")
    await RetentionExtension.insert(
        RetentionExtension(
            case=case["id"],
            until=until,
            reason=reason,
            decided_by=user.id,
            decided_by_name=user.username,
        )
    )


async def extensions_of(case_id: uuid.UUID) -> list[dict]:
    return (
        await RetentionExtension.select(
            RetentionExtension.until,
            RetentionExtension.reason,
            RetentionExtension.decided_by_name,
            RetentionExtension.decided_at,
        )
        .where(RetentionExtension.case == case_id)
        .order_by(RetentionExtension.decided_at)
    )


async def review_retention(now: datetime | None = None) -> dict[int, int] | None:
    """The daily review: each team's supervisors learn how many cases are due (a count and
    a link, nothing about any person). Runs once per UTC day whatever the number of
    processes: the unique day row elects the one that does it. Returns {team id: due
    count}, or None when today's review was done already."""
    now = now or datetime.now(UTC)
    today = now.astimezone(UTC).date()
    try:
        await RetentionReview.insert(RetentionReview(day=today.isoformat(), ran_at=now))
    except UNIQUE_VIOLATIONS:
        return None
    # Imported here: notifications build on entries, which this module also uses.
    from server.notifications.services import notify_supervisors

    counts: dict[int, int] = {}
    for team in await Team.select(Team.id):
        due = await due_cases(team["id"], today)
        if due:
            counts[team["id"]] = len(due)
            await notify_supervisors(team["id"], "retention_due", "/privacy/retention")
    await RetentionReview.update({RetentionReview.due: sum(counts.values())}).where(
        RetentionReview.day == today.isoformat()
    )
    return counts


# --- Consent ---------------------------------------------------------------------------------

CONSENT_PURPOSES = ("consent_assistance", "consent_sharing", "consent_statistics")


async def apply_consent(case_id, fields: dict) -> None:
    """A `consent` entry changes the case's consent per purpose at once: referrals share no
    identity without it, and indicators compiled from then on leave the person out."""
    await Case.update({getattr(Case, key): fields[key] for key in CONSENT_PURPOSES}).where(
        Case.id == case_id
    )


# --- Erasure ---------------------------------------------------------------------------------


def may_decide(user: CurrentUser, case: dict) -> bool:
    """Retention and erasure are the decision of a supervisor of the case's team."""
    return user.is_supervisor and user.team_id is not None and case["team"] == user.team_id


async def erasure_of(case_id: uuid.UUID) -> dict | None:
    return (
        await CaseErasure.select(
            CaseErasure.erased_at,
            CaseErasure.decided_by_name,
            CaseErasure.basis,
            CaseErasure.entries,
        )
        .where(CaseErasure.case == case_id)
        .first()
    )


async def check_erasable(case: dict, basis: str, today: date | None = None) -> None:
    """Raise PrivacyError unless the case may be erased on that basis today."""
    today = today or datetime.now(UTC).date()
    if basis not in ERASURE_BASES:
        raise PrivacyError("basis")
    if case["status"] != "closed":
        # Close it first: a case that still receives entries cannot be erased.
        raise PrivacyError("open")
    if await erasure_of(case["id"]) is not None:
        raise PrivacyError("erased")
    if basis == "retention_ended" and not (await retention_of(case)).is_due(today):
        raise PrivacyError("not_due")
    # An entry still waiting would count once approved, after its content is gone: the
    # figures of an erased case must stay as they were, so decide on it first.
    if await Entry.exists().where((Entry.case == case["id"]) & (Entry.status == "submitted")):
        raise PrivacyError("waiting")


async def erase_case(case: dict, user: CurrentUser, basis: str, today: date | None = None) -> int:
    """Destroy the content of every entry of the case; returns how many entries. The
    wrapped key, IV and ciphertext go; the clear metadata stays, so figures stay."""
    if not may_decide(user, case):
        raise PrivacyError("not_yours")
    await check_erasable(case, basis, today)
    try:
        count = await _destroy_content(case, user, basis)
    except UNIQUE_VIOLATIONS as violation:
        # Two supervisors erasing at once: the erasure row is unique, the first one did it.
        raise PrivacyError("erased") from violation
    # The case's content keys may still be kept in this process's memory (they open nothing
    # any more: the ciphertext is gone); drop them now rather than in ten minutes.
    forget_all()
    try:
        await scrub_free_space()
    except Exception:  # the keys are gone already; a busy database only delays the rewrite
        logger.exception("erasure: rewriting the tables failed; run VACUUM by hand")
    return count


async def _destroy_content(case: dict, user: CurrentUser, basis: str) -> int:
    async with _write_transaction(engine_finder()):
        ids = [row["id"] for row in await Entry.select(Entry.id).where(Entry.case == case["id"])]
        if ids:
            await Entry.update(
                {Entry.wrapped_key: "", Entry.iv: "", Entry.ciphertext: "", Entry.key_kid: ""}
            ).where(Entry.case == case["id"])
            # A returned entry's comment is guidance, but it is about this person's case.
            await Decision.update(
                {Decision.comment_sealed: "", Decision.comment_key_kid: ""}
            ).where(Decision.entry.is_in(ids))
        # People's own labels of the case are sealed free text about this person too.
        await CaseLabel.delete().where(CaseLabel.case == case["id"])
        await CaseErasure.insert(
            CaseErasure(
                case=case["id"],
                decided_by=user.id,
                decided_by_name=user.username,
                basis=basis,
                entries=len(ids),
            )
        )
    return len(ids)


async def scrub_free_space() -> None:
    """Rewrite the tables that held the destroyed bytes, so that they do not linger in the
    database's free pages: SQLite rebuilds the file and empties its write-ahead log;
    PostgreSQL rewrites the entry and decision tables (VACUUM FULL). Copies already in a
    backup or in PostgreSQL's WAL archive are made useless by retiring the old sealing keys
    (`alongside keys rotate`, then `alongside keys retire`)."""
    engine = engine_finder()
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl('VACUUM FULL "entry"')
        await engine.run_ddl('VACUUM FULL "decision"')
    else:
        await engine.run_ddl("VACUUM")
        await engine.run_ddl("PRAGMA wal_checkpoint(TRUNCATE)")
