"""The Upcoming page, the reminder settings page, and the admin's report schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from litestar import Request, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.accounts.tables import Team
from server.cases.services import case_hints
from server.core import i18n
from server.core.forms import form_fields
from server.core.guards import role_in, signed_in
from server.core.i18n import gettext as _
from server.core.templating import is_offline_copy, render
from server.deadlines import services
from server.deadlines.presentation import hearing_places
from server.deadlines.services import LEADS, Preferences, parse_clock, parse_period
from server.notifications.services import notify, payload
from server.push import services as push
from server.push.tables import PushSubscription
from server.risk.services import zone_name


@get("/upcoming", name="upcoming", guards=[signed_in])
async def upcoming(request: Request) -> Template:
    """Overdue, today, this week, the next two weeks. Its offline copy holds the same list:
    dates, kinds and case codes are all it ever shows."""
    user = request.scope["user"]
    now = datetime.now(UTC)
    zone = ZoneInfo(zone_name(user))
    deadlines = await services.deadlines_for(user, now)
    # What tells the cases apart (the user's own label only online, never in the copy).
    hints = await case_hints(
        user, [d.case_code or "" for d in deadlines], online=not is_offline_copy(request)
    )
    return render(
        request,
        "deadlines/upcoming.html",
        {
            "groups": services.grouped(deadlines, now, zone),
            "total": len(deadlines),
            "case_hints": hints,
            "places": await hearing_places(deadline.key for deadline in deadlines),
        },
    )


async def _settings_context(user, **extra) -> dict:
    prefs = await services.preferences(user.id)
    return {
        "prefs": prefs,
        "leads": LEADS,
        "devices": await push.subscriptions_of(user.id),
        "zone": zone_name(user),
        "quiet_from": prefs.quiet_from.strftime("%H:%M") if prefs.quiet_from else "",
        "quiet_until": prefs.quiet_until.strftime("%H:%M") if prefs.quiet_until else "",
        "errors": {},
        "saved": False,
        "test_sent": None,
        **extra,
    }


@get("/settings/notifications", name="reminder_settings", guards=[signed_in])
async def reminder_settings(request: Request) -> Template:
    user = request.scope["user"]
    sent = request.query_params.get("test")
    return render(
        request,
        "deadlines/settings.html",
        await _settings_context(
            user, saved=request.query_params.get("saved") == "1", test_sent=sent
        ),
    )


@post("/settings/notifications", name="reminder_settings_save", guards=[signed_in])
async def reminder_settings_save(request: Request) -> Template | Redirect:
    user = request.scope["user"]
    fields = await form_fields(request)
    errors: dict[str, str] = {}
    quiet_from_text = fields.get("quiet_from", "").strip()
    quiet_until_text = fields.get("quiet_until", "").strip()
    quiet_from = parse_clock(quiet_from_text) if quiet_from_text else None
    quiet_until = parse_clock(quiet_until_text) if quiet_until_text else None
    if quiet_from_text and quiet_from is None:
        errors["quiet_from"] = _("Write a time as HH:MM, for example 22:00.")
    if quiet_until_text and quiet_until is None:
        errors["quiet_until"] = _("Write a time as HH:MM, for example 07:00.")
    if not errors and (quiet_from is None) != (quiet_until is None):
        errors["quiet_until" if quiet_from else "quiet_from"] = _(
            "Quiet hours need both a start and an end, or neither."
        )
    leads_off = frozenset(lead for lead in LEADS if fields.get(f"lead_{lead}") != "on")
    if errors:
        context = await _settings_context(user, errors=errors)
        # Keep what was typed, so that nothing has to be entered twice.
        context.update(quiet_from=quiet_from_text[:5], quiet_until=quiet_until_text[:5])
        context["prefs"] = Preferences(
            leads_off, context["prefs"].quiet_from, context["prefs"].quiet_until
        )
        return render(request, "deadlines/settings.html", context, status_code=422)
    await services.save_preferences(user.id, Preferences(leads_off, quiet_from, quiet_until))
    return Redirect(path="/settings/notifications?saved=1", status_code=303)


@post(
    "/settings/notifications/devices/{device_id:int}",
    name="reminder_device_switch",
    guards=[signed_in],
)
async def reminder_device_switch(request: Request, device_id: FromPath[int]) -> Redirect:
    user = request.scope["user"]
    fields = await form_fields(request)
    row = (
        await PushSubscription.select(PushSubscription.endpoint)
        .where((PushSubscription.id == device_id) & (PushSubscription.user == user.id))
        .first()
    )
    if row is None:
        raise NotFoundException()
    if fields.get("action") == "forget":
        await push.unsubscribe(user.id, row["endpoint"])
    else:
        await push.set_enabled(user.id, row["endpoint"], fields.get("enabled") == "1")
    return Redirect(path="/settings/notifications", status_code=303)


@post("/settings/notifications/test", name="reminder_test", guards=[signed_in])
async def reminder_test(request: Request) -> Redirect:
    """A test notification: in the inbox, and pushed at once to every device switched on."""
    user = request.scope["user"]
    url = "/settings/notifications"
    await notify(user.id, "test", url, {})
    queued = await push.enqueue(
        user.id, payload({"kind": "test", "url": url}, i18n.pick_language(user.language))
    )
    counts = await push.send_due(user_id=user.id) if queued else {"sent": 0}
    return Redirect(path=f"/settings/notifications?test={counts.get('sent', 0)}", status_code=303)


# --- Report schedule (admin) --------------------------------------------------------------


async def _schedule_context(team_id: int | None, **extra) -> dict:
    teams = await Team.select(Team.id, Team.name, Team.names).order_by(Team.name)
    chosen = next((t for t in teams if t["id"] == team_id), teams[0] if teams else None)
    return {
        "teams": teams,
        "team": chosen,
        "schedule": await services.team_schedule(chosen["id"]) if chosen else [],
        "errors": {},
        "values": {},
        **extra,
    }


def _team_param(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@get("/report-schedule", name="report_schedule", guards=[role_in("admin")])
async def report_schedule(request: Request) -> Template:
    team_id = _team_param(request.query_params.get("team")) or request.scope["user"].team_id
    return render(request, "deadlines/report_schedule.html", await _schedule_context(team_id))


@post("/report-schedule", name="report_schedule_save", guards=[role_in("admin")])
async def report_schedule_save(request: Request) -> Template | Redirect:
    fields = await form_fields(request)
    team_id = _team_param(fields.get("team"))
    if team_id is None or not await Team.exists().where(Team.id == team_id):
        raise NotFoundException()
    errors: dict[str, str] = {}
    period = parse_period(fields.get("period", "").strip())
    if period is None:
        errors["period"] = _("Choose the month the report covers.")
    due_text = fields.get("due_on", "").strip()
    due_on = None
    if due_text:
        try:
            due_on = date.fromisoformat(due_text)
        except ValueError:
            errors["due_on"] = _("Write the due date as a date, for example 2026-02-01.")
    if period and due_on and due_on < date.fromisoformat(period + "-01"):
        errors["due_on"] = _("A report cannot be due before the month it covers begins.")
    if errors:
        context = await _schedule_context(
            team_id,
            errors=errors,
            values={"period": fields.get("period", "")[:7], "due_on": due_text[:10]},
        )
        return render(request, "deadlines/report_schedule.html", context, status_code=422)
    await services.set_report_due(team_id, period, due_on)  # type: ignore[arg-type]
    return Redirect(path=f"/report-schedule?team={team_id}", status_code=303)


router = Router(
    path="/",
    route_handlers=[
        upcoming,
        reminder_settings,
        reminder_settings_save,
        reminder_device_switch,
        reminder_test,
        report_schedule,
        report_schedule_save,
    ],
)
