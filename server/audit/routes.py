"""The audit log page for supervisors and admins: who did what to which object, and when.

It shows the log's own columns only — never the content of a case or an entry.
"""

from __future__ import annotations

import re
from datetime import date

from litestar import Request, Router, get
from litestar.response import Template

from server.audit import services
from server.core import i18n
from server.core.guards import role_in
from server.core.i18n import gettext as _
from server.core.identity import CurrentUser
from server.core.templating import render

EVENT_LIMIT = 200
MAX_USERNAME = 64
DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _parse_day(text: str) -> date | None:
    """A YYYY-MM-DD date; ValueError for anything else."""
    text = text.strip()
    if not text:
        return None
    if not DAY.match(text):
        raise ValueError("not YYYY-MM-DD")
    return date.fromisoformat(text)


@get("/audit", name="audit_log", guards=[role_in("supervisor", "admin")])
async def audit_log(request: Request) -> Template:
    user: CurrentUser = request.scope["user"]
    params = request.query_params
    username = (params.get("user") or "").strip().lower()[:MAX_USERNAME]
    start_text = (params.get("from") or "")[:32]
    end_text = (params.get("to") or "")[:32]

    errors: list[str] = []
    start = end = None
    try:
        start = _parse_day(start_text)
    except ValueError:
        errors.append(_("The start of the period is not a date. Use the form YYYY-MM-DD."))
    try:
        end = _parse_day(end_text)
    except ValueError:
        errors.append(_("The end of the period is not a date. Use the form YYYY-MM-DD."))
    if start and end and start > end:
        errors.append(_("The period starts after it ends. Swap the two dates."))

    rows: list[dict] = []
    # A supervisor without a team sees nothing: `team_id=None` would mean every team.
    if not errors and (user.is_admin or user.team_id is not None):
        since, until = services.period_bounds(start, end, i18n.current_time_zone.get())
        rows = await services.events(
            team_id=None if user.is_admin else user.team_id,
            actor_name=username,
            since=since,
            until=until,
            limit=EVENT_LIMIT,
        )
    events = [
        {
            **row,
            "action_label": services.action_label(row["action"]),
            "object_type_label": services.object_type_label(row["object_type"]),
        }
        for row in rows
    ]
    return render(
        request,
        "audit/log.html",
        {
            "events": events,
            "limit": EVENT_LIMIT,
            "errors": errors,
            "filters": {"user": username, "from": start_text, "to": end_text},
            "filtered": bool(username or start_text or end_text),
        },
        status_code=400 if errors else 200,
    )


router = Router(path="/", route_handlers=[audit_log])
