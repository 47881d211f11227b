"""Monthly activity reports: the list, the page (and its Word file), the narrative, submitting
and the supervisor's decision. Thin handlers over `services`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.audit.services import record
from server.core import i18n
from server.core.forms import form_fields
from server.core.guards import role_in, signed_in
from server.core.identity import CurrentUser
from server.core.templating import render
from server.reports import services
from server.reports.presentation import Section, problem_kind_label, sections, status_label
from server.reports.services import Report, ReportError
from server.reports.word import DOCX_TYPE, build_document, month_name
from server.travel.services import month_trips, travel_csv, travel_section

# Reports are read by the people allowed to: never kept by a browser, proxy or the phone's
# offline copies (the systemic problems and the narrative are sealed content).
NO_STORE = {"cache-control": "no-store", "vary": "HX-Request"}


def _is_htmx(request: Request) -> bool:
    return (
        request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"
    )


async def _load(request: Request, username: str, month: str) -> Report:
    try:
        return await services.load_report(request.scope["user"], username, month)
    except ReportError as error:
        raise NotFoundException() from error


async def _travel(figures: dict) -> Section:
    # Reports compiled before the travel log have no `travel_entries`: no trips.
    return travel_section(await month_trips(figures.get("travel_entries", [])))


async def _page_context(
    request: Request, report: Report, narrative: str | None = None, **extra: Any
) -> dict[str, Any]:
    user: CurrentUser = request.scope["user"]
    figures = await services.figures(report)
    return {
        "report": report,
        "url": report.url,
        "month_name": month_name(report.month),
        "status_label": status_label(report.status),
        "sections": [*sections(figures), await _travel(figures)],
        "problems": await services.systemic_problems(figures["problems"]),
        "problem_kind_label": problem_kind_label,
        "narrative": services.narrative(report) if narrative is None else narrative,
        "decisions": await services.decisions(report),
        "is_author": user.id == report.coordinator.id,
        "can_decide": user.role == "supervisor" and report.status == "submitted",
        "error": "",
        "narrative_error": "",
        "saved": False,
        "comment": "",
        **extra,
    }


@get("/reports", name="report_list", guards=[role_in("coordinator", "supervisor")])
async def report_list(request: Request) -> Template:
    user: CurrentUser = request.scope["user"]
    rows = await services.report_list(user)
    return render(
        request,
        "reports/list.html",
        {"rows": rows, "status_label": status_label, "month_name": month_name},
        headers={"cache-control": "no-store"},
    )


@get(
    "/reports/monthly/{username:str}/{month:str}",
    name="monthly_report",
    guards=[signed_in],
)
async def monthly_report(
    request: Request, username: FromPath[str], month: FromPath[str]
) -> Template | Response:
    """The report page; `YYYY-MM.docx` gives the same report as a Word file."""
    as_word = month.endswith(".docx")
    report = await _load(request, username, month.removesuffix(".docx") if as_word else month)
    # Who read or took away which report is on record, like cases and entries.
    await record(
        "export_report" if as_word else "view_report",
        request.scope["user"],
        "report",
        f"{report.coordinator.username}/{report.key}",
    )
    if as_word:
        return await _word_file(report)
    context = await _page_context(request, report)
    return render(request, "reports/report.html", context, headers=NO_STORE)


@get(
    "/reports/monthly/{username:str}/{month:str}/travel.csv",
    name="monthly_travel_csv",
    guards=[signed_in],
)
async def monthly_travel_csv(
    request: Request, username: FromPath[str], month: FromPath[str]
) -> Response:
    """The month's trips for reimbursement, for the programme's spreadsheet; the same
    people as the report may have it, and taking it is on record like the Word file."""
    report = await _load(request, username, month)
    await record(
        "export_report",
        request.scope["user"],
        "report",
        f"{report.coordinator.username}/{report.key}/travel",
    )
    figures = await services.figures(report)
    filename = f"travel-{report.coordinator.username}-{report.key}.csv"
    return Response(
        travel_csv(await month_trips(figures.get("travel_entries", []))),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "no-store",
        },
    )


async def _word_file(report: Report) -> Response:
    # In the coordinator's language (the report is theirs), whoever downloads it.
    language = i18n.pick_language(report.coordinator.language)
    language_token = i18n.current_language.set(language)
    zone_token = i18n.current_time_zone.set(report.coordinator.time_zone)
    try:
        figures = await services.figures(report)
        content = build_document(
            author=report.coordinator.username,
            team=report.coordinator.team_label,
            first=report.month,
            status=report.status,
            report_sections=[*sections(figures), await _travel(figures)],
            problems=await services.systemic_problems(figures["problems"]),
            narrative=services.narrative(report),
            compiled_on=i18n.format_date(datetime.now(UTC)),
        )
    finally:
        i18n.current_time_zone.reset(zone_token)
        i18n.current_language.reset(language_token)
    filename = f"report-{report.coordinator.username}-{report.key}.docx"
    return Response(
        content,
        media_type=DOCX_TYPE,
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "no-store",
        },
    )


async def _error(request: Request, report: Report, error: ReportError, **extra: Any) -> Template:
    if error.status == 404:
        raise NotFoundException()
    if "narrative" in extra:
        # What was typed stays in the box, with the reason beside it.
        context = await _page_context(request, report, narrative_error=error.message, **extra)
        template = "reports/_narrative.html" if _is_htmx(request) else "reports/report.html"
        return render(request, template, context, status_code=error.status, headers=NO_STORE)
    return render(
        request,
        "reports/report.html",
        await _page_context(request, report, error=error.message, **extra),
        status_code=error.status,
        headers=NO_STORE,
    )


@post(
    "/reports/monthly/{username:str}/{month:str}/narrative",
    name="report_narrative_save",
    guards=[signed_in],
    status_code=200,
)
async def report_narrative_save(
    request: Request, username: FromPath[str], month: FromPath[str]
) -> Template | Redirect:
    report = await _load(request, username, month)
    fields = await form_fields(request)
    text = fields.get("narrative", "")
    try:
        await services.save_narrative(request.scope["user"], report, text)
    except ReportError as error:
        return await _error(request, report, error, narrative=text)
    if _is_htmx(request):
        context = await _page_context(request, report, saved=True)
        return render(request, "reports/_narrative.html", context, headers=NO_STORE)
    return Redirect(path=report.url + "?saved=1", status_code=303)


@post(
    "/reports/monthly/{username:str}/{month:str}/submit",
    name="report_submit",
    guards=[signed_in],
    status_code=200,
)
async def report_submit(
    request: Request, username: FromPath[str], month: FromPath[str]
) -> Template | Redirect:
    report = await _load(request, username, month)
    try:
        await services.submit(request.scope["user"], report)
    except ReportError as error:
        return await _error(request, report, error)
    return Redirect(path=report.url, status_code=303)


async def _decide(
    request: Request, username: str, month: str, decision: str
) -> Template | Redirect:
    report = await _load(request, username, month)
    fields = await form_fields(request)
    comment = fields.get("comment", "")
    try:
        await services.decide(request.scope["user"], report, decision, comment)
    except ReportError as error:
        return await _error(request, report, error, comment=comment)
    return Redirect(path=report.url, status_code=303)


@post(
    "/reports/monthly/{username:str}/{month:str}/approve",
    name="report_approve",
    guards=[role_in("supervisor")],
    status_code=200,
)
async def report_approve(
    request: Request, username: FromPath[str], month: FromPath[str]
) -> Template | Redirect:
    return await _decide(request, username, month, "approved")


@post(
    "/reports/monthly/{username:str}/{month:str}/return",
    name="report_return",
    guards=[role_in("supervisor")],
    status_code=200,
)
async def report_return(
    request: Request, username: FromPath[str], month: FromPath[str]
) -> Template | Redirect:
    return await _decide(request, username, month, "returned")


router = Router(
    path="/",
    route_handlers=[
        report_list,
        monthly_report,
        monthly_travel_csv,
        report_narrative_save,
        report_submit,
        report_approve,
        report_return,
    ],
)
