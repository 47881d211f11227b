"""The scheduler: every `ALONGSIDE_SCHEDULER_INTERVAL` seconds, deadlines become reminders.

Lead times, in the user's time zone (their own, else their team's country's):
* hearings: the evening before at 18:00, and two hours before;
* follow-ups, reassessments, waiting approvals and returned entries: 08:00 on the day;
* monthly reports: 08:00 three days before and one day before.

A reminder whose time has passed while its deadline is still ahead (a hearing logged ninety
minutes before it starts, a server that was down) goes out at the next run; when several
reminders of one deadline are overdue only the latest is sent. Nothing is sent in the user's
quiet hours: what fell due then goes out at the first run after them, if still ahead.
Approvals and returned entries are work already late, so their reminder goes out even
after its day.

Exactly once: each reminder is a `Reminder` row with a unique key (deadline, lead, user),
inserted in the same transaction as the inbox notification and the queued push messages;
a second process inserting the same key fails and sends nothing. On PostgreSQL an advisory
lock also elects one sender per run, so that several processes do not all do the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

from server.accounts.sessions import load_user
from server.core import i18n
from server.core.identity import CurrentUser
from server.deadlines.presentation import hearing_institutions
from server.deadlines.services import (
    Deadline,
    Preferences,
    deadlines_for,
    preferences,
    reminded_users,
)
from server.deadlines.tables import Reminder
from server.entries.services import UNIQUE_VIOLATIONS, _write_transaction
from server.notifications.services import notify, payload
from server.privacy.services import review_retention
from server.push import services as push
from server.risk.services import zone_name
from server.settings import get_settings

log = logging.getLogger("alongside.scheduler")

# One number for the advisory lock of the scheduler ("ALNGSCHD" in ASCII, as a bigint).
ADVISORY_LOCK = 0x414C4E4753434844
EVENING = time(18, 0)
MORNING = time(8, 0)
# Work already late: reminded even after its day.
NAGGING = ("approvals_overdue", "correction_due")
# Reminders are kept this long: far longer than any deadline is looked at (a month behind), so
# no reminder of a dated deadline can come back; late work still open after this long (an
# entry returned four months ago and never corrected) is reminded once more.
KEEP_REMINDERS = timedelta(days=120)


@dataclass
class RunSummary:
    elected: bool = True
    reminders: list[str] = field(default_factory=list)
    pushed: dict[str, int] = field(default_factory=dict)
    # The day's retention review (server.privacy): {team id: cases due}; None when done already.
    retention: dict[int, int] | None = None


def _at(day, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, zone)


def leads(deadline: Deadline, zone: ZoneInfo) -> list[tuple[str, datetime]]:
    """The deadline's reminders (lead name, moment), earliest first."""
    if deadline.kind == "hearing":
        assert deadline.due_at is not None
        evening = _at(deadline.due_at.astimezone(zone).date() - timedelta(days=1), EVENING, zone)
        return [
            ("hearing_evening", evening),
            ("hearing_two_hours", deadline.due_at - timedelta(hours=2)),
        ]
    assert deadline.due_on is not None
    if deadline.kind == "report_due":
        return [
            ("report_three_days", _at(deadline.due_on - timedelta(days=3), MORNING, zone)),
            ("report_one_day", _at(deadline.due_on - timedelta(days=1), MORNING, zone)),
        ]
    return [("morning", _at(deadline.due_on, MORNING, zone))]


def still_ahead(deadline: Deadline, now: datetime, zone: ZoneInfo) -> bool:
    if deadline.kind in NAGGING:
        return True
    if deadline.due_at is not None:
        return now < deadline.due_at
    return now.astimezone(zone).date() <= deadline.due_on  # type: ignore[operator]


def due_lead(
    deadline: Deadline, now: datetime, zone: ZoneInfo, prefs: Preferences
) -> tuple[str, datetime] | None:
    """The reminder to send now, if any: the latest of the wanted leads whose time has come,
    while the deadline is still ahead and the user is not in their quiet hours."""
    if prefs.quiet(now.astimezone(zone)) or not still_ahead(deadline, now, zone):
        return None
    ready = [
        (name, at)
        for name, at in leads(deadline, zone)
        if name not in prefs.leads_off and at <= now
    ]
    return ready[-1] if ready else None


def reminder_params(deadline: Deadline, zone: ZoneInfo) -> dict:
    """What the notification's words need: a time or a day, a count; never a name."""
    params: dict = {"zone": zone.key}
    if deadline.due_at is not None:
        params["at"] = deadline.due_at.astimezone(zone).isoformat()
    elif deadline.due_on is not None:
        params["on"] = deadline.due_on.isoformat()
    if deadline.kind == "approvals_overdue":
        from server.deadlines.services import APPROVAL_WAIT_DAYS

        params.update(count=deadline.count, days=APPROVAL_WAIT_DAYS)
    return params


async def send_reminder(
    user: CurrentUser, deadline: Deadline, lead: str, fire_at: datetime, now: datetime
) -> bool:
    """Claim the reminder and record it: the inbox notification and the push messages.
    False when someone (another process, an earlier run) has claimed it already."""
    key = f"{deadline.key}|{lead}|{user.id}"
    if await Reminder.exists().where(Reminder.key == key):
        return False
    zone = ZoneInfo(zone_name(user))
    params = reminder_params(deadline, zone)
    # Where a hearing takes place, as a category ("court"): it tells the coordinator which
    # hearing this is without naming anyone.
    institution = (await hearing_institutions([deadline.key])).get(deadline.key)
    if institution:
        params["institution"] = institution
    language = i18n.pick_language(user.language)
    try:
        async with _write_transaction(engine_finder()):
            await Reminder.insert(
                Reminder(
                    key=key,
                    user=user.id,
                    kind=deadline.kind,
                    deadline=deadline.key[:200],
                    lead=lead,
                    fire_at=fire_at,
                    sent_at=now,
                )
            )
            await notify(user.id, deadline.kind, deadline.url, params)
            message = payload(
                {"kind": deadline.kind, "url": deadline.url, "params": json.dumps(params)},
                language,
            )
            await push.enqueue(user.id, message, now)
    except UNIQUE_VIOLATIONS:
        return False
    return True


async def remind(now: datetime) -> list[str]:
    """Send every reminder due at `now`; returns their keys."""
    sent: list[str] = []
    for user_id in await reminded_users():
        try:
            sent.extend(await remind_user(user_id, now))
        except Exception:
            # One user's bad data (an unknown time zone…) must not hold back everyone else's
            # reminders; theirs are tried again at the next run.
            log.exception("reminders of user %s failed", user_id)
    return sent


async def remind_user(user_id: int, now: datetime) -> list[str]:
    user = await load_user(user_id)
    if user is None:
        return []
    zone = ZoneInfo(zone_name(user))
    prefs = await preferences(user_id)
    if prefs.quiet(now.astimezone(zone)):
        return []
    sent = []
    for deadline in await deadlines_for(user, now):
        lead = due_lead(deadline, now, zone, prefs)
        if lead is None:
            continue
        if await send_reminder(user, deadline, lead[0], lead[1], now):
            sent.append(f"{deadline.key}|{lead[0]}|{user.id}")
    return sent


async def run_scheduler_once(now: datetime | None = None, elect: bool = True) -> RunSummary:
    """One run: reminders that are due, then the push messages waiting to go out. `elect`:
    on PostgreSQL, take the advisory lock first and do nothing when another process has it
    (tests switch it off to check that the reminders' keys alone prevent doubles)."""
    now = now or datetime.now(UTC)
    engine = engine_finder()
    connection = None
    if elect and isinstance(engine, PostgresEngine):
        connection = await engine.get_new_connection()
        if not await connection.fetchval("SELECT pg_try_advisory_lock($1)", ADVISORY_LOCK):
            await connection.close()
            return RunSummary(elected=False)
    try:
        summary = RunSummary()
        summary.reminders = await remind(now)
        await Reminder.delete().where(Reminder.sent_at < now - KEEP_REMINDERS)
        # Once a day, whichever run comes first: cases due for erasure, to their supervisors.
        summary.retention = await review_retention(now)
        summary.pushed = await push.send_due(now)
        return summary
    finally:
        if connection is not None:
            try:
                await connection.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK)
            finally:
                await connection.close()


async def run_forever(interval: float | None = None) -> None:
    """The background task of the served app: a failed run is logged, and the next one
    comes anyway."""
    interval = interval or get_settings().scheduler_interval
    while True:
        # Sleep first: a process that starts (or restarts) catches up one interval later, and
        # a short-lived process (a command, a test's server) never sends anything.
        await asyncio.sleep(interval)
        try:
            await run_scheduler_once()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduler run failed")


_task: asyncio.Task | None = None


async def start_scheduler() -> None:
    """Litestar start-up hook of the served app."""
    global _task
    if _task is None or _task.done():
        _task = asyncio.create_task(run_forever(), name="alongside-scheduler")


async def stop_scheduler() -> None:
    global _task
    if _task is not None:
        _task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await _task
        _task = None
