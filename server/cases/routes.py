"""Case pages: list, case page with its timeline, assignment, closing.

Who may see a case is decided in `server.entries.access` only; anyone who may not gets 404
(never 403), so that nobody learns whether a case exists.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.audit.services import record
from server.cases import services
from server.cases.labels import LABEL_MAX, LabelError, labels_for, set_label
from server.cases.tables import Case
from server.core.forms import form_fields
from server.core.guards import role_in, signed_in
from server.core.i18n import LazyString, format_date, lazy_gettext
from server.core.i18n import gettext as _
from server.core.identity import CurrentUser
from server.core.templating import is_offline_copy, render
from server.entries import categories as c
from server.entries.access import entry_types_for, visible_case
from server.entries.definitions import ENTRY_TYPES
from server.privacy.routes import case_privacy
from server.regions.lists import region_names
from server.risk.presentation import case_risk

RESULTS_TARGET = "case-results"

CASE_STATUS_LABELS: dict[str, LazyString] = {
    "open": lazy_gettext("Open"),
    "closed": lazy_gettext("Closed"),
}
ENTRY_STATUS_LABELS: dict[str, LazyString] = {
    "submitted": lazy_gettext("Waiting for approval"),
    "approved": lazy_gettext("Approved"),
    "returned": lazy_gettext("Returned"),
}

CASE_COLUMNS = (
    Case.id,
    Case.code,
    Case.team,
    Case.region,
    Case.assigned_to,
    Case.assigned_to.username,
    Case.status,
    Case.opened_at,
    Case.closed_at,
    Case.close_reason,
    Case.sex,
    Case.age_band,
    Case.citizenship,
    Case.exploitation,
    Case.identification,
    Case.nrm_referral_on,
    Case.consent_assistance,
    Case.consent_sharing,
    Case.consent_statistics,
    Case.intake_entry,
)


def _is_results_request(request: Request) -> bool:
    """An htmx request from the filter form wants only the results fragment (a boosted
    link or a history restore wants the whole page)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-target") == RESULTS_TARGET
        and headers.get("hx-boosted") != "true"
        and headers.get("hx-history-restore-request") != "true"
    )


# --- The list ---------------------------------------------------------------------------------


@get(
    "/cases",
    name="case_list",
    guards=[role_in("coordinator", "shelter", "supervisor")],
)
async def case_list(request: Request) -> Template:
    user: CurrentUser = request.scope["user"]
    params = request.query_params
    status = params.get("status", "open") or "open"
    region = (params.get("region") or "").strip()
    coordinator = (params.get("coordinator") or "").strip().lower() if user.is_supervisor else ""
    search = (params.get("q") or "")[:64]

    regions = region_names(user.country)
    assignees = await services.team_coordinators(user.team_id) if user.is_supervisor else []
    errors: list[str] = []
    if status not in ("open", "closed", "all"):
        errors.append(_("Choose open, closed or all cases."))
    if region and region not in regions:
        errors.append(_("There is no such region. Choose one from the list."))
    assignee_id = None
    if coordinator:
        match = [row["id"] for row in assignees if row["username"] == coordinator]
        if match:
            assignee_id = match[0]
        else:
            errors.append(_("Choose a person of your team from the list."))
    code_search = services.normalise_code_search(search)
    if code_search is None:
        errors.append(
            _(
                "A case code has only letters, digits and dashes, like %(example)s.",
                example=f"{user.country}-2025-0001",
            )
        )

    cases: list[dict] = []
    if not errors:
        cases = await services.case_list(
            user,
            status=status,
            region=region,
            assignee_id=assignee_id,
            code_search=code_search or "",
        )
        cases = await services.described_cases(user, cases, online=not is_offline_copy(request))
    context: dict[str, Any] = {
        "cases": cases,
        "limit": services.CASE_LIST_LIMIT,
        "errors": errors,
        "filters": {
            "status": status,
            "region": region,
            "coordinator": coordinator,
            "q": search,
        },
        "filtered": bool(region or coordinator or search or status != "open"),
        "regions": regions,
        "assignees": assignees,
        "status_labels": CASE_STATUS_LABELS,
        "results_target": RESULTS_TARGET,
    }
    headers = {"vary": "HX-Request, HX-Target"}
    if _is_results_request(request):
        # htmx leaves error responses unswapped, so the fragment carries its own message
        # with 200; the full page answers bad filters with 400.
        return render(request, "cases/_results.html", context, headers=headers)
    return render(
        request, "cases/list.html", context, status_code=400 if errors else 200, headers=headers
    )


# --- The case page ----------------------------------------------------------------------------


def _reference(text: str) -> str:
    """Codes are upper case and UUIDs lower case; accept either typed the other way."""
    return text.lower() if len(text) == 36 else text.upper()


async def _case_or_404(user: CurrentUser, reference: str) -> dict:
    case = await visible_case(user, _reference(reference), *CASE_COLUMNS)
    if case is None:
        raise NotFoundException()
    return case


def _timeline_context(page: services.TimelinePage) -> dict[str, Any]:
    """What cases/_timeline_page.html shows: one page of entries with readable labels, and
    the cursor of the next page."""
    return {
        "timeline": [
            {
                **row,
                "type_label": ENTRY_TYPES[row["type"]].label
                if row["type"] in ENTRY_TYPES
                else row["type"],
                "status_label": ENTRY_STATUS_LABELS.get(row["status"], row["status"]),
            }
            for row in page.rows
        ],
        "older": page.older,
    }


def _facts(case: dict) -> list[tuple[str, str]]:
    """The case's clear metadata as label/value pairs, with choice codes made readable."""
    exploitation = case.get("exploitation") or "[]"
    if isinstance(exploitation, str):
        try:
            exploitation = json.loads(exploitation)
        except ValueError:
            exploitation = []
    not_recorded = _("Not recorded")
    return [
        (_("Sex"), c.SEX.label(case["sex"]) or not_recorded),
        (_("Age"), c.AGE_BAND.label(case["age_band"]) or not_recorded),
        (_("Citizenship"), c.CITIZENSHIP.label(case["citizenship"]) or not_recorded),
        (
            _("Forms of exploitation"),
            ", ".join(c.EXPLOITATION.label(code) for code in exploitation) or not_recorded,
        ),
        (
            _("Identification status"),
            c.IDENTIFICATION.label(case["identification"]) or not_recorded,
        ),
        (_("Referred to the NRM on"), format_date(case["nrm_referral_on"]) or not_recorded),
        (_("Region"), case["region"] or not_recorded),
    ]


def _consents(case: dict) -> list[tuple[str, str]]:
    not_recorded = _("Not recorded")
    return [
        (_("Consent to assistance"), c.CONSENT.label(case["consent_assistance"]) or not_recorded),
        (
            _("Consent to share identity with service providers"),
            c.CONSENT.label(case["consent_sharing"]) or not_recorded,
        ),
        (
            _("Consent to anonymised statistics"),
            c.CONSENT.label(case["consent_statistics"]) or not_recorded,
        ),
    ]


async def _case_page(
    request: Request,
    case: dict,
    *,
    error: str = "",
    error_field: str = "",
    status_code: int = 200,
) -> Template:
    user: CurrentUser = request.scope["user"]
    timeline = await services.case_timeline(user, case["id"])
    intake_id = str(case["intake_entry"]) if case["intake_entry"] else ""
    # The identity link is offered only when the viewer may open the sealed intake.
    identity_visible = await services.intake_visible(user, case)
    may_assign = services.may_assign(user, case)
    privacy = await case_privacy(user, case)
    if privacy["erasure"]:
        intake_id = ""  # its key was destroyed: there is no identity left to show
    await record("view_case", user, "case", case["code"])
    labels = await labels_for(user, [case["id"]])
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "facts": _facts(case),
            "consents": _consents(case),
            "status_label": CASE_STATUS_LABELS.get(case["status"], case["status"]),
            "close_reason_label": c.CLOSE_REASON.label(case["close_reason"]),
            **_timeline_context(timeline),
            "intake_id": intake_id if identity_visible else "",
            # One tap from the case to its capture form with the case filled in.
            "log_types": entry_types_for(user, case="required") if case["status"] == "open" else [],
            "label": labels.get(str(case["id"]), ""),
            "label_max": LABEL_MAX,
            "may_assign": may_assign and case["status"] == "open",
            "may_close": services.may_close(user, case) and case["status"] == "open",
            "assignees": await services.team_coordinators(user.team_id) if may_assign else [],
            "close_reasons": c.CLOSE_REASON.options,
            "error": error,
            "error_field": error_field,
            # Levels over time and what changed (server.risk); shown where there is any.
            "risk": await case_risk(user, case),
            # Retention, erasure and the subject access export (server.privacy).
            "privacy": privacy,
        },
        status_code=status_code,
    )


@get("/cases/{reference:str}", name="case_page", guards=[signed_in])
async def case_page(request: Request, reference: FromPath[str]) -> Template:
    case = await _case_or_404(request.scope["user"], reference)
    return await _case_page(request, case)


@get("/cases/{reference:str}/timeline", name="case_timeline_page", guards=[signed_in])
async def case_timeline_page(request: Request, reference: FromPath[str]) -> Template | Redirect:
    """The next page of the case's timeline, older than the cursor `before`: list items that
    "Show older entries" puts in its own place. Only htmx asks for it; anyone else goes to
    the case page."""
    user: CurrentUser = request.scope["user"]
    case = await _case_or_404(user, reference)
    headers = {"vary": "HX-Request"}
    if request.headers.get("hx-request") != "true":
        return Redirect(path=f"/cases/{case['code']}", status_code=303, headers=headers)
    try:
        page = await services.case_timeline(
            user, case["id"], before=request.query_params.get("before", "")
        )
    except services.CursorError:
        # htmx swaps error answers too (base.html's responseHandling): the fragment says it.
        error = _("These older entries cannot be found. Reload the case page and try again.")
        return render(
            request,
            "cases/_timeline_page.html",
            {"case": case, "timeline": [], "older": "", "timeline_error": error},
            status_code=400,
            headers=headers,
        )
    return render(
        request,
        "cases/_timeline_page.html",
        {"case": case, **_timeline_context(page)},
        headers=headers,
    )


def _back_to(case: dict) -> Redirect:
    return Redirect(path=f"/cases/{case['code']}", status_code=303)


@post("/cases/{reference:str}/assign", name="case_assign", guards=[signed_in])
async def case_assign(request: Request, reference: FromPath[str]) -> Template | Redirect:
    user: CurrentUser = request.scope["user"]
    case = await _case_or_404(user, reference)
    if not services.may_assign(user, case):
        raise NotFoundException()
    fields = await form_fields(request)
    if case["status"] != "open":
        return await _case_page(
            request,
            case,
            error=_("This case is closed, so it cannot be reassigned."),
            status_code=400,
        )
    try:
        assignee_id = int(fields.get("assignee", "").strip())
        await services.assign_case(case["id"], assignee_id, user)
    except (ValueError, services.CaseError):
        return await _case_page(
            request,
            case,
            error=_(
                "Choose a coordinator or shelter staff member of your team to assign the case to."
            ),
            error_field="assignee",
            status_code=400,
        )
    await record("assign_case", user, "case", case["code"])
    return _back_to(case)


@post("/cases/{reference:str}/label", name="case_label", guards=[signed_in])
async def case_label(request: Request, reference: FromPath[str]) -> Template | Redirect:
    """The user's own short label of the case, sealed (server.cases.labels)."""
    user: CurrentUser = request.scope["user"]
    case = await _case_or_404(user, reference)
    fields = await form_fields(request)
    try:
        await set_label(user, case["id"], fields.get("label", ""))
    except LabelError:
        return await _case_page(
            request,
            case,
            error=_("A label has at most %(count)s characters.", count=LABEL_MAX),
            error_field="label",
            status_code=400,
        )
    # Who set a label on which case, never the label itself.
    await record("set_case_label", user, "case", case["code"])
    return _back_to(case)


@post("/cases/{reference:str}/close", name="case_close", guards=[signed_in])
async def case_close(request: Request, reference: FromPath[str]) -> Template | Redirect:
    user: CurrentUser = request.scope["user"]
    case = await _case_or_404(user, reference)
    if not services.may_close(user, case):
        raise NotFoundException()
    fields = await form_fields(request)
    if case["status"] != "open":
        return await _case_page(
            request, case, error=_("This case is closed already."), status_code=400
        )
    try:
        await services.close_case(case["id"], fields.get("reason", "").strip())
    except services.CaseError:
        return await _case_page(
            request,
            case,
            error=_("Choose why the case is being closed."),
            error_field="reason",
            status_code=400,
        )
    await record("close_case", user, "case", case["code"])
    return _back_to(case)


router = Router(
    path="/",
    route_handlers=[
        case_list,
        case_page,
        case_timeline_page,
        case_assign,
        case_label,
        case_close,
    ],
)
