"""Data protection pages: cases due for erasure, erasing or keeping a case, and the subject
access export. Every decision is a supervisor's of the case's own team; anyone else gets
404, as for the case itself. Erasing and exporting need the password given recently."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.accounts.account_routes import reauthentication_needed
from server.accounts.tables import Team
from server.audit.services import record
from server.cases.tables import Case
from server.core.forms import form_fields
from server.core.guards import role_in, signed_in
from server.core.i18n import LazyString, format_date, lazy_gettext
from server.core.i18n import gettext as _
from server.core.identity import CurrentUser
from server.core.templating import render
from server.entries.access import visible_case
from server.privacy import services, subject_access
from server.privacy.record import build_record_document, processing_record
from server.reports.word import DOCX_TYPE
from server.settings import get_settings

NO_STORE = {"cache-control": "no-store"}

BASIS_LABELS: dict[str, LazyString] = {
    "retention_ended": lazy_gettext("The retention period after closing has ended"),
    "person_request": lazy_gettext("The person asked for their data to be erased"),
}
REASON_LABELS: dict[str, LazyString] = {
    "legal_proceedings": lazy_gettext("Legal proceedings are still open"),
    "person_asked": lazy_gettext("The person asked us to keep it"),
}
ERRORS: dict[str, LazyString] = {
    "basis": lazy_gettext("Choose why the case is being erased."),
    "open": lazy_gettext("Close the case before erasing it."),
    "erased": lazy_gettext("This case was erased already."),
    "not_due": lazy_gettext(
        "The retention period of this case has not ended: erase it only at the person's request."
    ),
    "reason": lazy_gettext("Choose why the case is kept longer."),
    "until": lazy_gettext("Choose a date in the future, at most three years from today."),
    "code": lazy_gettext("Type the case code exactly as shown to confirm."),
    "waiting": lazy_gettext(
        "Entries of this case wait for approval: approve or return them before erasing it."
    ),
}


def _reference(text: str) -> str:
    """As on the case page: codes upper case, UUIDs lower case."""
    return text.lower() if len(text) == 36 else text.upper()


async def _decidable_case(user: CurrentUser, reference: str) -> dict:
    """The case, when this user decides on its retention; 404 otherwise."""
    case = await visible_case(
        user, _reference(reference), Case.id, Case.code, Case.team, Case.status, Case.closed_at
    )
    if case is None or not services.may_decide(user, case):
        raise NotFoundException()
    return case


async def case_privacy(user: CurrentUser, case: dict) -> dict[str, Any]:
    """What the case page shows about retention and erasure (privacy/_case_privacy.html)."""
    erasure = await services.erasure_of(case["id"])
    retention = await services.retention_of(case)
    today = datetime.now(UTC).date()
    return {
        "erasure": erasure,
        "basis_label": BASIS_LABELS.get(erasure["basis"], "") if erasure else "",
        "retention": retention,
        "due": retention.is_due(today),
        "extensions": [
            {**row, "reason_label": REASON_LABELS.get(row["reason"], row["reason"])}
            for row in await services.extensions_of(case["id"])
        ],
        "may_decide": services.may_decide(user, case) and erasure is None,
    }


# --- Cases due for erasure -------------------------------------------------------------------


@get("/privacy/retention", name="privacy_retention", guards=[role_in("supervisor")])
async def retention_page(request: Request) -> Template:
    user: CurrentUser = request.scope["user"]
    today = datetime.now(UTC).date()
    return render(
        request,
        "privacy/retention.html",
        {
            "cases": await services.due_cases(user.team_id, today) if user.team_id else [],
            "period_days": await services.retention_days(user.team_id),
        },
        headers=NO_STORE,
    )


# --- Erasing ---------------------------------------------------------------------------------


def _erase_page(request: Request, case: dict, error: str = "", status_code: int = 200):
    return render(
        request,
        "privacy/erase.html",
        {"case": case, "bases": list(BASIS_LABELS.items()), "error": error},
        status_code=status_code,
        headers=NO_STORE,
    )


@get("/cases/{reference:str}/erase", name="privacy_erase_form", guards=[signed_in])
async def erase_form(request: Request, reference: FromPath[str]) -> Template | Redirect:
    case = await _decidable_case(request.scope["user"], reference)
    ask = reauthentication_needed(request, f"/cases/{case['code']}/erase")
    if ask is not None:
        return ask
    return _erase_page(request, case)


@post("/cases/{reference:str}/erase", name="privacy_erase", guards=[signed_in])
async def erase(request: Request, reference: FromPath[str]) -> Template | Redirect:
    user: CurrentUser = request.scope["user"]
    case = await _decidable_case(user, reference)
    ask = reauthentication_needed(request, f"/cases/{case['code']}/erase")
    if ask is not None:
        return ask
    fields = await form_fields(request)
    if fields.get("confirm_code", "").strip().upper() != case["code"]:
        return _erase_page(request, case, str(ERRORS["code"]), 400)
    try:
        await services.erase_case(case, user, fields.get("basis", ""))
    except services.PrivacyError as error:
        return _erase_page(request, case, str(ERRORS[error.code]), 400)
    # The decision, never the content.
    await record("erase_case", user, "case", case["code"])
    return Redirect(path=f"/cases/{case['code']}", status_code=303)


# --- Keeping a case longer -------------------------------------------------------------------


def _keep_page(request: Request, case: dict, error: str = "", status_code: int = 200):
    return render(
        request,
        "privacy/keep.html",
        {"case": case, "reasons": list(REASON_LABELS.items()), "error": error},
        status_code=status_code,
        headers=NO_STORE,
    )


@get("/cases/{reference:str}/retention", name="privacy_keep_form", guards=[signed_in])
async def keep_form(request: Request, reference: FromPath[str]) -> Template:
    case = await _decidable_case(request.scope["user"], reference)
    return _keep_page(request, case)


@post("/cases/{reference:str}/retention", name="privacy_extend", guards=[signed_in])
async def extend(request: Request, reference: FromPath[str]) -> Template | Redirect:
    user: CurrentUser = request.scope["user"]
    case = await _decidable_case(user, reference)
    fields = await form_fields(request)
    try:
        until = date.fromisoformat(fields.get("until", "").strip())
    except ValueError:
        until = None
    try:
        if until is None:
            raise services.PrivacyError("until")
        await services.extend_retention(case, user, until, fields.get("reason", ""))
    except services.PrivacyError as error:
        return _keep_page(request, case, str(ERRORS.get(error.code, ERRORS["until"])), 400)
    await record("extend_retention", user, "case", case["code"])
    return Redirect(path=f"/cases/{case['code']}", status_code=303)


# --- Record of processing --------------------------------------------------------------------


@get("/privacy/record", name="privacy_record", guards=[role_in("supervisor", "admin")])
async def record_page(request: Request) -> Template:
    return render(
        request,
        "privacy/record.html",
        {"record": await processing_record(get_settings()), "error": ""},
        headers=NO_STORE,
    )


@get("/privacy/record.docx", name="privacy_record_docx", guards=[role_in("supervisor", "admin")])
async def record_docx(request: Request) -> Response:
    document = build_record_document(await processing_record(get_settings()))
    return Response(
        document,
        media_type=DOCX_TYPE,
        headers={
            "content-disposition": 'attachment; filename="record-of-processing.docx"',
            **NO_STORE,
        },
    )


@post("/privacy/record/retention", name="privacy_team_retention", guards=[role_in("admin")])
async def team_retention(request: Request) -> Template | Redirect:
    """An admin sets a team's own retention period, or clears it to use the deployment's."""
    fields = await form_fields(request)
    team = await Team.select(Team.id).where(Team.name == fields.get("team", "")).first()
    days_text = fields.get("days", "").strip()
    try:
        if team is None:
            raise services.PrivacyError("team")
        await services.set_team_retention(team["id"], int(days_text) if days_text else None)
    except (ValueError, services.PrivacyError):
        return render(
            request,
            "privacy/record.html",
            {
                "record": await processing_record(get_settings()),
                "error": _("Choose a team and a number of days between 30 and 36500."),
            },
            status_code=400,
            headers=NO_STORE,
        )
    return Redirect(path="/privacy/record", status_code=303)


# --- Subject access --------------------------------------------------------------------------


async def _export(request: Request, reference: str, kind: str) -> Response | Redirect:
    user: CurrentUser = request.scope["user"]
    case = await _decidable_case(user, reference)
    ask = reauthentication_needed(request, f"/cases/{case['code']}/export.{kind}")
    if ask is not None:
        return ask
    if await services.erasure_of(case["id"]) is not None:
        raise NotFoundException()
    held = await subject_access.subject_access(case["id"])
    await record("export_case", user, "case", case["code"])
    filename = f"{case['code']}-subject-access.{kind}"
    headers = {"content-disposition": f'attachment; filename="{filename}"', **NO_STORE}
    if kind == "json":
        return Response(
            json.dumps(held, ensure_ascii=False, indent=2),
            media_type="application/json; charset=utf-8",
            headers=headers,
        )
    document = subject_access.build_document(
        held, user.username, format_date(datetime.now(UTC).date())
    )
    return Response(document, media_type=DOCX_TYPE, headers=headers)


@get("/cases/{reference:str}/export.json", name="privacy_export_json", guards=[signed_in])
async def export_json(request: Request, reference: FromPath[str]) -> Response | Redirect:
    return await _export(request, reference, "json")


@get("/cases/{reference:str}/export.docx", name="privacy_export_docx", guards=[signed_in])
async def export_docx(request: Request, reference: FromPath[str]) -> Response | Redirect:
    return await _export(request, reference, "docx")


router = Router(
    path="/",
    route_handlers=[
        retention_page,
        erase_form,
        erase,
        keep_form,
        extend,
        export_json,
        export_docx,
        record_page,
        record_docx,
        team_retention,
    ],
)
