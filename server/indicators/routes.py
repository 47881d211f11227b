"""The indicators page and `/indicators.csv`: supervisors (their team) and admins (any team
or all). Thin handlers over `services`; every figure shown is already suppressed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get
from litestar.response import Template

from server.accounts.account_routes import reauthentication_needed
from server.accounts.tables import Team
from server.audit.services import record
from server.core.guards import role_in
from server.core.i18n import gettext as _
from server.core.identity import CurrentUser
from server.core.templating import render
from server.entries import categories as c
from server.indicators.charts import bar_rows
from server.indicators.services import (
    DIMENSIONS,
    MAX_DAYS,
    FilterError,
    IndicatorFilters,
    compile_indicators,
    htcds_code,
)
from server.indicators.suppression import HIDDEN, SMALL
from server.providers.services import names_of_providers
from server.regions.lists import region_names
from server.regions.lists import time_zone as country_time_zone

readers = role_in("supervisor", "admin")
NO_STORE = {"cache-control": "no-store"}
CSV_COLUMNS = (
    "period_from",
    "period_to",
    "team",
    "region",
    "indicator",
    "htcds_field",
    "category",
    "count",
)


def _zone(user: CurrentUser) -> str:
    return user.time_zone or country_time_zone(user.country)


def default_period(today: date) -> tuple[date, date]:
    """The last full month: what a monthly look at the figures wants first."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


async def _teams(user: CurrentUser) -> list[dict]:
    if user.role == "admin":
        return await Team.select(Team.id, Team.name, Team.names, Team.country).order_by(Team.name)
    return await Team.select(Team.id, Team.name, Team.names, Team.country).where(
        Team.id == user.team_id
    )


def _parse_date(text: str, label: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise FilterError(_("%(field)s: give a date like 2025-07-31.", field=label)) from error


async def parse_filters(user: CurrentUser, params: Any) -> tuple[IndicatorFilters, dict]:
    """The filters of a request; raises FilterError with a message for the reader. A
    supervisor always sees their own team, whatever the request says."""
    raw = {key: (params.get(key) or "").strip()[:64] for key in ("from", "to", "team", "region")}
    start, end = default_period(datetime.now(UTC).date())
    if raw["from"]:
        start = _parse_date(raw["from"], _("From"))
    if raw["to"]:
        end = _parse_date(raw["to"], _("To"))
    if end < start:
        raise FilterError(_("The period ends before it begins."))
    if (end - start).days > MAX_DAYS:
        raise FilterError(_("Choose a period of at most five years."))
    teams = await _teams(user)
    if user.role == "admin":
        team_id = None
        if raw["team"]:
            matching = [team for team in teams if str(team["id"]) == raw["team"]]
            if not matching:
                raise FilterError(_("There is no such team. Choose one from the list."))
            team_id = matching[0]["id"]
    else:
        team_id = user.team_id
    countries = {team["country"] for team in teams if team_id in (None, team["id"])}
    regions = [name for country in sorted(countries) for name in region_names(country)]
    if raw["region"] and raw["region"] not in regions:
        raise FilterError(_("There is no such region. Choose one from the list."))
    raw["from"], raw["to"] = start.isoformat(), end.isoformat()
    filters = IndicatorFilters(start, end, team_id, raw["region"])
    return filters, {"raw": raw, "teams": teams, "regions": regions}


@get("/indicators", name="indicators", guards=[readers])
async def indicators_page(request: Request) -> Template:
    user: CurrentUser = request.scope["user"]
    try:
        filters, choices = await parse_filters(user, request.query_params)
    except FilterError as error:
        context = {
            "error": str(error),
            "figures": None,
            "raw": {
                k: request.query_params.get(k, "")[:64] for k in ("from", "to", "team", "region")
            },
            "teams": await _teams(user),
            "regions": [name for country in ("MD", "XK") for name in region_names(country)]
            if user.role == "admin"
            else region_names(user.country),
        }
        return render(request, "indicators/page.html", context, status_code=400, headers=NO_STORE)
    figures = await compile_indicators(filters, _zone(user))
    today = datetime.now(UTC).date()
    context = {
        "error": "",
        "figures": figures,
        # Without a period asked for, the page shows last month: it says so, and why this
        # month's work is not there (only approved entries count; the month is still open).
        "default_period": not (request.query_params.get("from") or request.query_params.get("to")),
        "this_month_query": urlencode(
            {"from": today.replace(day=1).isoformat(), "to": today.isoformat()}
        ),
        "period_start": filters.start,
        "left_out": figures["left_out"],
        "groups": await _groups(figures),
        "raw": choices["raw"],
        "teams": choices["teams"],
        "regions": choices["regions"],
        "small": SMALL,
        "hidden": HIDDEN,
        "csv_query": urlencode({k: v for k, v in choices["raw"].items() if v}),
    }
    return render(request, "indicators/page.html", context, headers=NO_STORE)


async def provider_choices(referrals: dict) -> c.ChoiceList:
    """The providers counted, by organisation name, for the chart's labels."""
    names = await names_of_providers(list(referrals["provider"]))
    options = [(key, names.get(key, key)) for key in referrals["provider"] if key]
    return c.ChoiceList("provider", (*options, ("", _("Other (not in the directory)"))))


async def _groups(figures: dict) -> list[dict]:
    titles = {
        "sex": _("By sex"),
        "age_band": _("By age"),
        "citizenship": _("By citizenship"),
        "exploitation": _("By form of exploitation"),
        "identification": _("By identification status"),
    }
    groups = []
    for group, title in (
        ("persons_assisted", _("Persons assisted")),
        ("new_cases", _("New cases")),
    ):
        shown = figures[group]
        groups.append(
            {
                "key": group,
                "title": title,
                "total": shown["total"],
                "charts": [
                    {
                        "id": f"{group}-{key}",
                        "title": f"{title}: {titles[key]}",
                        "rows": bar_rows(shown[key], choices, keep_zero=key == "sex"),
                        "empty": not any(value != 0 for value in shown[key].values()),
                    }
                    for key, choices, _field, _additive in DIMENSIONS
                ],
            }
        )
    referrals = figures["referrals"]
    groups.append(
        {
            "key": "referrals",
            "title": _("Referrals"),
            "total": referrals["total"],
            "charts": [
                {
                    "id": "referrals-service_type",
                    "title": _("Referrals by service"),
                    "rows": bar_rows(referrals["service_type"], c.SERVICE_TYPE),
                    "empty": not any(value != 0 for value in referrals["service_type"].values()),
                },
                {
                    "id": "referrals-status",
                    "title": _("Referrals by outcome"),
                    "rows": bar_rows(referrals["status"], c.REFERRAL_STATUS),
                    "empty": not any(value != 0 for value in referrals["status"].values()),
                },
                {
                    "id": "referrals-provider",
                    "title": _("Referrals by provider"),
                    "rows": bar_rows(referrals["provider"], await provider_choices(referrals)),
                    "empty": not any(value != 0 for value in referrals["provider"].values()),
                },
            ],
        }
    )
    return groups


@get("/indicators.csv", name="indicators_csv", guards=[readers])
async def indicators_csv(request: Request) -> Response:
    """The figures with HTCDS column names; counts 1–4 are `<5`, complementary cells `x`."""
    user: CurrentUser = request.scope["user"]
    # An export leaves the server: the password again if it was given too long ago.
    query = request.url.query
    ask = reauthentication_needed(request, request.url.path + (f"?{query}" if query else ""))
    if ask is not None:
        return ask
    try:
        filters, choices = await parse_filters(user, request.query_params)
    except FilterError as error:
        return Response(str(error) + "\n", status_code=400, media_type="text/plain; charset=utf-8")
    figures = await compile_indicators(filters, _zone(user))
    await record(
        "export_indicators",
        user,
        "indicators",
        f"{filters.start.isoformat()}..{filters.end.isoformat()}",
    )
    team_name = ""
    if filters.team_id is not None:
        team_name = next(
            (team["name"] for team in choices["teams"] if team["id"] == filters.team_id), ""
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    common = [filters.start.isoformat(), filters.end.isoformat(), team_name, filters.region]
    for group in ("persons_assisted", "new_cases"):
        shown = figures[group]
        writer.writerow([*common, group, "", "total", shown["total"]])
        for key, _choices, field, _additive in DIMENSIONS:
            for code, value in shown[key].items():
                writer.writerow([*common, group, field, htcds_code(key, code), value])
    referrals = figures["referrals"]
    writer.writerow([*common, "referrals", "", "total", referrals["total"]])
    for code, value in referrals["service_type"].items():
        writer.writerow([*common, "referrals", "serviceType", code, value])
    for code, value in referrals["status"].items():
        writer.writerow([*common, "referrals", "referralStatus", code, value])
    names = await names_of_providers(list(referrals["provider"]))
    for code, value in referrals["provider"].items():
        # The organisation's name (not personal data); "other" for those outside the directory.
        writer.writerow([*common, "referrals", "provider", names.get(code, code or "other"), value])
    filename = f"indicators-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"', **NO_STORE},
    )


router = Router(path="/", route_handlers=[indicators_page, indicators_csv])
