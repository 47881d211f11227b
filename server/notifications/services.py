"""In-app notifications: recording them, the inbox, and the one payload that Web Push will
deliver. A notification carries a kind, a link and counts or ids — never a name, free text
or case content — so that what a lock screen shows cannot hurt anyone."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from piccolo.engine import engine_finder

from server.accounts.tables import User
from server.core import i18n
from server.entries.categories import INSTITUTION
from server.entries.definitions import ENTRY_TYPES
from server.entries.services import _write_transaction
from server.notifications.tables import Notification

KINDS = (
    "entry_returned",
    "entries_waiting",
    # Monthly reports (server.reports): submitted to the supervisor, decided for the author.
    "report_submitted",
    "report_returned",
    "report_approved",
    # Reminders of deadlines (server.deadlines) and the settings page's test message.
    "hearing",
    "follow_up",
    "reassessment",
    "safety_plan",
    "report_due",
    "approvals_overdue",
    "correction_due",
    # Closed cases whose retention period ran out (server.privacy): a count, never a case.
    "retention_due",
    "test",
)
INBOX_SIZE = 100


async def notify(user_id: int, kind: str, url: str, params: dict | None = None) -> int:
    """Record a notification for one user; returns its id. `url` is a path on this server;
    `params` holds ids, types and counts only."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError("a notification links to a path on this server")
    rows = await Notification.insert(
        Notification(user=user_id, kind=kind, url=url, params=json.dumps(params or {}))
    ).returning(Notification.id)
    return rows[0]["id"]


async def notify_entries_waiting(team_id: int | None) -> list[int]:
    """Tell the team's supervisors that entries wait for them — at most one unread
    notification of this kind per supervisor, so a day of syncing is one line, not forty."""
    made: list[int] = []
    for supervisor in await _team_supervisors(team_id):
        # One writer at a time: two syncs arriving together make one notification.
        async with _write_transaction(engine_finder()):
            unread = await Notification.exists().where(
                (Notification.user == supervisor["id"])
                & (Notification.kind == "entries_waiting")
                & Notification.read_at.is_null()
            )
            if unread:
                continue
            made.append(await notify(supervisor["id"], "entries_waiting", "/approvals"))
    return made


async def _team_supervisors(team_id: int | None) -> list[dict]:
    if team_id is None:
        return []
    return await User.select(User.id).where(
        (User.team == team_id) & (User.role == "supervisor") & (User.active == True)  # noqa: E712
    )


async def notify_supervisors(team_id: int | None, kind: str, url: str) -> list[int]:
    """One notification for each active supervisor of the team."""
    return [await notify(row["id"], kind, url) for row in await _team_supervisors(team_id)]


async def unread_count(user_id: int) -> int:
    return await Notification.count().where(
        (Notification.user == user_id) & Notification.read_at.is_null()
    )


async def inbox(user_id: int) -> list[dict]:
    """Newest first, with each notification's payload in the current language."""
    rows = await (
        Notification.select()
        .where(Notification.user == user_id)
        .order_by(Notification.created_at, ascending=False)
        .limit(INBOX_SIZE)
    )
    for row in rows:
        row["payload"] = payload(row, i18n.current_language.get())
    return rows


async def mark_read(user_id: int, notification_id: int | None = None) -> str | None:
    """Mark one notification (or all of the user's) read; returns the one's url, or None
    when it is not this user's (another user's notification is treated as missing)."""
    now = datetime.now(UTC)
    if notification_id is None:
        await Notification.update({Notification.read_at: now}).where(
            (Notification.user == user_id) & Notification.read_at.is_null()
        )
        return None
    row = (
        await Notification.select(Notification.url, Notification.read_at)
        .where((Notification.id == notification_id) & (Notification.user == user_id))
        .first()
    )
    if row is None:
        return None
    if row["read_at"] is None:
        await Notification.update({Notification.read_at: now}).where(
            Notification.id == notification_id
        )
    return row["url"]


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


# Notifications whose words never change: (title, body), translated when shown.
_FIXED_TEXTS = {
    "entries_waiting": (
        N_("Entries are waiting for you"),
        N_("Your team submitted entries that wait for your approval."),
    ),
    "report_submitted": (
        N_("A monthly report waits for you"),
        N_("A coordinator of your team submitted a monthly report for your approval."),
    ),
    "report_returned": (
        N_("Your monthly report was returned"),
        N_("Your supervisor returned your monthly report with a comment. Open it."),
    ),
    "report_approved": (
        N_("Your monthly report was approved"),
        N_("Your supervisor approved your monthly report."),
    ),
    "retention_due": (
        N_("Cases are due for erasure"),
        N_("Closed cases of your team reached the end of their retention period. Open the list."),
    ),
}


def payload(notification: dict, language: str) -> dict[str, str]:
    """What a notification says, in the recipient's language: `{"kind", "title", "body",
    "url"}` — the push payload and the inbox line alike. No name, no free text (a
    supervisor's comment stays behind the link), no case content."""
    translations = i18n.translations(language)
    gettext = translations.gettext
    params = notification.get("params") or {}
    if isinstance(params, str):
        params = json.loads(params or "{}")
    kind = notification["kind"]
    if kind == "entry_returned":
        entry_type = ENTRY_TYPES.get(params.get("type", ""))
        type_label = ""
        if entry_type is not None:
            token = i18n.current_language.set(language)
            try:
                type_label = str(entry_type.label)
            finally:
                i18n.current_language.reset(token)
        title = gettext("An entry was returned to you")
        body = (
            gettext(
                "Your supervisor returned a %(type)s entry with a comment. Open it to correct it."
            )
            % {"type": type_label}
            if type_label
            else gettext("Your supervisor returned an entry with a comment. Open it to correct it.")
        )
    elif kind in _FIXED_TEXTS:
        title, body = (gettext(text) for text in _FIXED_TEXTS[kind])
    else:
        title, body = _reminder_text(kind, params, language)
    return {"kind": kind, "title": title, "body": body, "url": notification["url"]}


def _reminder_text(kind: str, params: dict, language: str) -> tuple[str, str]:
    """A reminder's words: its kind and its date or time (formatted in the recipient's
    language and time zone, which `params` carries), nothing about the person."""
    translations = i18n.translations(language)
    gettext, ngettext = translations.gettext, translations.ngettext
    tokens = [i18n.current_language.set(language)]
    zone = params.get("zone")
    if zone:
        tokens.append(i18n.current_time_zone.set(zone))
    try:
        at = datetime.fromisoformat(params["at"]) if params.get("at") else None
        on = date.fromisoformat(params["on"]) if params.get("on") else None
        day = i18n.format_date(at or on) if (at or on) else ""
        time = i18n.format_time(at) if at else ""
        # A category (police, court…), never a name: see server.deadlines.presentation.
        institution = (
            INSTITUTION.label(params["institution"])
            if params.get("institution") in INSTITUTION.codes
            else ""
        )
    finally:
        if zone:
            i18n.current_time_zone.reset(tokens.pop())
        i18n.current_language.reset(tokens.pop())
    if kind == "hearing":
        return (
            (
                gettext("Hearing (%(institution)s) on %(date)s at %(time)s")
                % {"institution": institution, "date": day, "time": time}
                if institution
                else gettext("Hearing on %(date)s at %(time)s") % {"date": day, "time": time}
            ),
            gettext("A hearing you accompany is coming up. Open Alongside for the case."),
        )
    if kind == "follow_up":
        return (
            gettext("Referral follow-up on %(date)s") % {"date": day},
            gettext("A referral is due for follow-up. Open Alongside for the case."),
        )
    if kind == "reassessment":
        return (
            gettext("Reassessment due on %(date)s") % {"date": day},
            gettext("A resident's risk reassessment is due. Open the risk board."),
        )
    if kind == "safety_plan":
        return (
            gettext("Safety plan action due on %(date)s") % {"date": day},
            gettext("An action of a resident's safety plan is due. Open the case."),
        )
    if kind == "report_due":
        return (
            gettext("Monthly report due on %(date)s") % {"date": day},
            gettext("Check that your work of the month is logged and approved."),
        )
    if kind == "approvals_overdue":
        count = int(params.get("count") or 0)
        return (
            gettext("Entries wait for your decision"),
            ngettext(
                "%(count)s entry has waited more than %(days)s days.",
                "%(count)s entries have waited more than %(days)s days.",
                count,
            )
            % {"count": count, "days": params.get("days", "")},
        )
    if kind == "correction_due":
        return (
            gettext("A returned entry waits for your correction"),
            gettext("Correct it so that it can be approved and counted."),
        )
    return (
        gettext("Test notification"),
        gettext("Reminders reach this device."),
    )
