"""The risk instrument and a case's risk as JSON, and the shelter's board of residents."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from litestar import Request, Router, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from server.cases.tables import Case
from server.core.guards import role_in, signed_in
from server.core.identity import CurrentUser
from server.core.templating import render
from server.entries import categories as c
from server.entries.access import visible_case
from server.risk import presentation, services
from server.risk.instrument import current_instrument


@get("/api/v1/risk/instrument", name="risk_instrument", guards=[signed_in])
async def risk_instrument() -> dict:
    return current_instrument().public()


def _reference(text: str) -> str:
    """Codes are upper case and UUIDs lower case; accept either typed the other way."""
    return text.lower() if len(text) == 36 else text.upper()


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@get("/api/v1/cases/{reference:str}/risk", name="case_risk", guards=[signed_in])
async def case_risk(request: Request, reference: FromPath[str]) -> dict:
    user: CurrentUser = request.scope["user"]
    case = await visible_case(user, _reference(reference), Case.id, Case.code, Case.opened_at)
    if case is None:
        raise NotFoundException()
    standing = await services.case_standing(user, case)
    return {
        "case": standing.code,
        "level": standing.level,
        "assessed_at": _iso(standing.assessed_at),
        "next_due": _iso(standing.next_due),
        "instrument": standing.instrument,
        "overdue": standing.overdue(services.today_for(user)),
        "due_because": standing.reason,
        "trigger": standing.trigger,
    }


@get("/risk/board", name="risk_board", guards=[role_in("shelter", "supervisor")])
async def risk_board(request: Request) -> Template:
    user: CurrentUser = request.scope["user"]
    today = services.today_for(user)
    rows = await services.board(user, today)
    context: dict[str, Any] = {
        "rows": rows,
        "today": today,
        "overdue_count": sum(1 for row in rows if row.overdue),
        "due_today_count": sum(1 for row in rows if row.due_today),
        "sign_off_count": sum(1 for row in rows if row.standing.awaiting_sign_off),
        "level_label": c.RISK_LEVEL.label,
        "reason_text": presentation.reason_text,
    }
    return render(request, "risk/board.html", context)


@get("/risk/overdue", name="risk_overdue", guards=[role_in("shelter", "supervisor")])
async def risk_overdue(request: Request) -> Template:
    """The home page's banner, loaded after the page so that the home page never waits."""
    user: CurrentUser = request.scope["user"]
    rows = await services.board(user)
    overdue = [row for row in rows if row.overdue]
    return render(request, "risk/_overdue.html", {"overdue": overdue})


router = Router(path="/", route_handlers=[risk_instrument, case_risk, risk_board, risk_overdue])
