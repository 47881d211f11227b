"""Recording and reading the audit log. Only who, what kind of action, which object, when."""

from __future__ import annotations

from datetime import datetime

from server.audit.tables import AuditEvent
from server.core.identity import CurrentUser

ACTIONS = (
    "view_case",
    "view_entry",
    "create_entry",
    "open_case",
    "assign_case",
    "close_case",
    "register_device",
    "revoke_device",
    "rotate_keys",
    "login",
    "login_failed",
    "logout",
    "approve_entry",
    "return_entry",
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
