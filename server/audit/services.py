"""Recording and reading the audit log. Only who, what kind of action, which object, when."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.audit.tables import AuditEvent
from server.core.i18n import LazyString, lazy_gettext
from server.core.identity import CurrentUser

ACTIONS = (
    "view_case",
    "view_entry",
    "view_identity",
    "create_entry",
    "open_case",
    "assign_case",
    "close_case",
    "set_case_label",
    "register_device",
    "revoke_device",
    "rotate_keys",
    "retire_key",
    "erase_case",
    "extend_retention",
    "export_case",
    "login",
    "login_failed",
    "logout",
    "approve_entry",
    "return_entry",
    "submit_report",
    "approve_report",
    "return_report",
    "view_report",
    "export_report",
    "export_indicators",
    "instrument_draft_started",
    "instrument_draft_edited",
    "instrument_draft_discarded",
    "instrument_consultation_opened",
    "instrument_consultation_closed",
    "instrument_comment_added",
    "instrument_comment_decided",
    "instrument_published",
    "export_instrument_report",
)


async def record(
    action: str,
    user: CurrentUser | None,
    object_type: str = "",
    object_id: str = "",
    *,
    user_id: int | None = None,
    username: str = "",
    team_id: int | None = None,
) -> None:
    await AuditEvent.insert(
        AuditEvent(
            action=action,
            actor=user.id if user else user_id,
            actor_name=user.username if user else username,
            team=user.team_id if user else team_id,
            object_type=object_type,
            object_id=str(object_id)[:64],
        )
    )


async def events(
    *,
    team_id: int | None,
    actor_name: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[dict]:
    """Newest first. `team_id=None` means every team (admins)."""
    query = AuditEvent.select(
        AuditEvent.at,
        AuditEvent.actor_name,
        AuditEvent.action,
        AuditEvent.object_type,
        AuditEvent.object_id,
    )
    conditions = []
    if team_id is not None:
        conditions.append(AuditEvent.team == team_id)
    if actor_name:
        conditions.append(AuditEvent.actor_name == actor_name.strip().lower())
    if since is not None:
        conditions.append(AuditEvent.at >= since)
    if until is not None:
        conditions.append(AuditEvent.at < until)
    for condition in conditions:
        query = query.where(condition)
    return await query.order_by(AuditEvent.at, ascending=False).limit(limit)


# --- Reading the log -------------------------------------------------------------------------

ACTION_LABELS: dict[str, LazyString] = {
    "view_case": lazy_gettext("Viewed a case"),
    "view_entry": lazy_gettext("Viewed an entry"),
    "view_identity": lazy_gettext("Viewed the identity of a person assisted"),
    "create_entry": lazy_gettext("Submitted an entry"),
    "open_case": lazy_gettext("Opened a case"),
    "assign_case": lazy_gettext("Assigned a case"),
    "set_case_label": lazy_gettext("Set their own label of a case"),
    "close_case": lazy_gettext("Closed a case"),
    "register_device": lazy_gettext("Registered a device"),
    "revoke_device": lazy_gettext("Revoked a device"),
    "rotate_keys": lazy_gettext("Rotated the sealing keys"),
    "retire_key": lazy_gettext("Destroyed an old sealing key"),
    "erase_case": lazy_gettext("Erased a case"),
    "extend_retention": lazy_gettext("Kept a case past its retention period"),
    "export_case": lazy_gettext("Exported everything held about a case"),
    "login": lazy_gettext("Logged in"),
    "login_failed": lazy_gettext("Failed to log in"),
    "logout": lazy_gettext("Logged out"),
    "approve_entry": lazy_gettext("Approved an entry"),
    "return_entry": lazy_gettext("Returned an entry"),
    "submit_report": lazy_gettext("Submitted a monthly report"),
    "approve_report": lazy_gettext("Approved a monthly report"),
    "return_report": lazy_gettext("Returned a monthly report"),
    "view_report": lazy_gettext("Viewed a monthly report"),
    "export_report": lazy_gettext("Downloaded a monthly report as a Word file"),
    "export_indicators": lazy_gettext("Downloaded the indicators as CSV"),
    "access_denied": lazy_gettext("Was refused a page or an action"),
    "device_refused": lazy_gettext("A device token was refused"),
    "login_failed_unknown": lazy_gettext("Failed to log in with an unknown name"),
    "second_factor_totp": lazy_gettext("Confirmed the login with an authenticator app"),
    "second_factor_passkey": lazy_gettext("Confirmed the login with a passkey"),
    "second_factor_recovery_code": lazy_gettext("Confirmed the login with a recovery code"),
    "second_factor_failed": lazy_gettext("Gave a wrong second factor"),
    "second_factor_added": lazy_gettext("Added a second factor"),
    "second_factor_removed": lazy_gettext("Removed a second factor"),
    "second_factor_reset": lazy_gettext("Reset a user's second factors"),
    "recovery_codes_new": lazy_gettext("Made new recovery codes"),
    "reauthenticated": lazy_gettext("Confirmed the password again"),
    "reauthentication_failed": lazy_gettext("Gave a wrong password to confirm"),
    "session_ended": lazy_gettext("Ended a session"),
    "sessions_ended": lazy_gettext("Ended every other session"),
    "user_disabled": lazy_gettext("Disabled a user"),
    "user_enabled": lazy_gettext("Enabled a user"),
    "password_changed": lazy_gettext("Changed their password"),
    "password_change_failed": lazy_gettext("Gave a wrong password to change it"),
    "instrument_draft_started": lazy_gettext("Started a draft of the risk instrument"),
    "instrument_draft_edited": lazy_gettext("Edited the draft of the risk instrument"),
    "instrument_draft_discarded": lazy_gettext("Discarded the draft of the risk instrument"),
    "instrument_consultation_opened": lazy_gettext("Opened the draft for comments"),
    "instrument_consultation_closed": lazy_gettext("Closed the draft for comments"),
    "instrument_comment_added": lazy_gettext("Commented on the draft of the risk instrument"),
    "instrument_comment_decided": lazy_gettext("Decided on a comment about the draft"),
    "instrument_published": lazy_gettext("Published a version of the risk instrument"),
    "export_instrument_report": lazy_gettext("Downloaded the practice report"),
}

OBJECT_TYPE_LABELS: dict[str, LazyString] = {
    "case": lazy_gettext("Case"),
    "entry": lazy_gettext("Entry"),
    "device": lazy_gettext("Device"),
    "user": lazy_gettext("User"),
    "key": lazy_gettext("Key"),
    "report": lazy_gettext("Monthly report"),
    "session": lazy_gettext("Session"),
    "path": lazy_gettext("Page"),
    "indicators": lazy_gettext("Indicators"),
    "instrument": lazy_gettext("Risk instrument version"),
}


def action_label(action: str) -> str:
    """A readable, translated name of an action (the code itself when it is unknown)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def object_type_label(object_type: str) -> str:
    label = OBJECT_TYPE_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def period_bounds(
    start: date | None, end: date | None, time_zone: str
) -> tuple[datetime | None, datetime | None]:
    """Local calendar days → the instants `events` takes: from the start of `start` up to,
    not including, the day after `end` (so both days are in the period)."""
    zone = ZoneInfo(time_zone)
    since = datetime.combine(start, time.min, zone) if start else None
    until = datetime.combine(end + timedelta(days=1), time.min, zone) if end else None
    return since, until
