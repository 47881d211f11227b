"""Pages of the SOP cycle: versions, the draft editor (one domain at a time, htmx fragments),
the preview, the consultation, publishing, and the file's download and upload."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.audit.services import record
from server.core.forms import form_fields
from server.core.guards import role_in
from server.core.i18n import LANGUAGES, format_date
from server.core.i18n import gettext as _
from server.core.identity import CurrentUser
from server.core.templating import render
from server.entries import categories as c
from server.entries.categories import ChoiceList
from server.indicators.charts import bar_rows
from server.instruments import practice, services, word
from server.instruments.guide import guide_of
from server.instruments.services import Draft, InstrumentStepError
from server.reports.word import DOCX_TYPE
from server.risk.instrument import Instrument, library
from server.risk.presentation import form_context
from server.risk.services import today_for

NO_STORE = {"cache-control": "no-store"}
readers = role_in("shelter", "supervisor", "admin")


def _is_htmx(request: Request) -> bool:
    """An htmx swap of one part (not a boosted page load, nor a history restore)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        and headers.get("hx-history-restore-request") != "true"
    )


def _user(request: Request) -> CurrentUser:
    return request.scope["user"]


@get("/instruments", name="instruments", guards=[readers])
async def instruments_page(request: Request) -> Template:
    user = _user(request)
    draft = await services.current_draft()
    context = {
        "versions": [row for row in await services.versions() if row["status"] == "published"],
        "current": library().current().version,
        "draft": draft,
        "draft_problems": draft.problems() if draft else [],
        "working_group": await services.in_working_group(user),
        "may_comment": await services.may_comment(user),
        "error": request.query_params.get("error", ""),
    }
    return render(request, "instruments/index.html", context, headers=NO_STORE)


async def _failed(request: Request, error: InstrumentStepError) -> Template:
    if error.status == 404:
        raise NotFoundException()
    draft = await services.current_draft()
    context = {
        "versions": [row for row in await services.versions() if row["status"] == "published"],
        "current": library().current().version,
        "draft": draft,
        "draft_problems": draft.problems() if draft else [],
        "working_group": await services.in_working_group(_user(request)),
        "may_comment": await services.may_comment(_user(request)),
        "error": error.message,
    }
    return render(
        request, "instruments/index.html", context, status_code=error.status, headers=NO_STORE
    )


@post("/instruments/draft", name="instrument_draft_start", guards=[readers], status_code=200)
async def instrument_draft_start(request: Request) -> Template | Redirect:
    try:
        await services.start_draft(_user(request))
    except InstrumentStepError as error:
        return await _failed(request, error)
    return Redirect(path="/instruments/draft", status_code=303)


@post("/instruments/upload", name="instrument_upload", guards=[readers], status_code=200)
async def instrument_upload(request: Request) -> Template | Redirect:
    form = await request.form()
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise InstrumentStepError(422, _("Choose an instrument file to upload."))
        data = await upload.read(services.DEFINITION_MAX + 1)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InstrumentStepError(
                422, _("The file is not JSON: choose an instrument file.")
            ) from error
        await services.upload_draft(_user(request), text)
    except InstrumentStepError as error:
        return await _failed(request, error)
    return Redirect(path="/instruments/draft", status_code=303)


def _editor_context(draft: Draft, part: str) -> dict[str, Any]:
    problems = draft.problems()
    domain = draft.domain(part)
    if domain is None and part != "scoring":
        part = draft.domain_ids[0] if draft.domain_ids else "scoring"
        domain = draft.domain(part)
    shared = draft.raw.get("answer_labels") or {}
    return {
        "draft": draft,
        "part": part,
        "domain": domain,
        "shared_labels": shared,
        "languages": LANGUAGES,
        "problems": problems,
        "part_problems": [p for p in problems if p.part == part],
        "other_problems": [p for p in problems if p.part != part],
        "levels": draft.raw.get("levels") or [],
        "triggers": draft.raw.get("triggers") or {},
        "level_choices": c.RISK_LEVEL,
        "trigger_choices": c.RISK_TRIGGER,
    }


async def _editor(request: Request, part: str, status_code: int = 200, **extra: Any) -> Template:
    user = _user(request)
    if not await services.in_working_group(user):
        raise NotFoundException()
    draft = await services.current_draft()
    if draft is None:
        return Redirect(path="/instruments", status_code=303)  # type: ignore[return-value]
    context = _editor_context(draft, part)
    context.update(extra)
    template = "instruments/_part.html" if _is_htmx(request) else "instruments/draft.html"
    headers = {**NO_STORE, "vary": "HX-Request"}  # one URL, a page or a part
    return render(request, template, context, status_code=status_code, headers=headers)


@get("/instruments/draft", name="instrument_draft", guards=[readers])
async def instrument_draft(request: Request) -> Template:
    return await _editor(request, request.query_params.get("part", ""))


@post(
    "/instruments/draft/parts/{part:str}",
    name="instrument_draft_save",
    guards=[readers],
    status_code=200,
)
async def instrument_draft_save(request: Request, part: FromPath[str]) -> Template:
    fields = await form_fields(request)
    try:
        if part == "scoring":
            await services.save_scoring(_user(request), fields)
        else:
            await services.save_domain(_user(request), part, fields)
    except InstrumentStepError as error:
        if error.status == 404:
            raise NotFoundException() from error
        return await _editor(request, part, error.status, error=error.message)
    return await _editor(request, part, saved=True)


@post("/instruments/draft/domains", name="instrument_domain_add", guards=[readers])
async def instrument_domain_add(request: Request) -> Redirect:
    try:
        domain_id = await services.add_domain(_user(request))
    except InstrumentStepError as error:
        raise NotFoundException() from error
    return Redirect(path=f"/instruments/draft?part={domain_id}", status_code=303)


@get("/instruments/draft/preview", name="instrument_draft_preview", guards=[readers])
async def instrument_draft_preview(request: Request) -> Template:
    draft = await services.current_draft()
    if draft is None or not await services.may_comment(_user(request)):
        raise NotFoundException()
    instrument = draft.instrument()
    context = {
        "draft": draft,
        "risk": form_context(instrument) if instrument else None,
        "problems": draft.problems(),
        "working_group": await services.in_working_group(_user(request)),
    }
    return render(request, "instruments/preview.html", context, headers=NO_STORE)


@post("/instruments/draft/publish", name="instrument_publish", guards=[readers], status_code=200)
async def instrument_publish(request: Request) -> Template | Redirect:
    try:
        version = await services.publish(_user(request))
    except InstrumentStepError as error:
        return await _failed(request, error)
    return Redirect(path=f"/instruments?published={version}", status_code=303)


@post("/instruments/draft/discard", name="instrument_discard", guards=[readers], status_code=200)
async def instrument_discard(request: Request) -> Template | Redirect:
    try:
        await services.discard_draft(_user(request))
    except InstrumentStepError as error:
        return await _failed(request, error)
    return Redirect(path="/instruments", status_code=303)


@post(
    "/instruments/draft/consultation",
    name="instrument_consultation",
    guards=[readers],
    status_code=200,
)
async def instrument_consultation(request: Request) -> Template | Redirect:
    fields = await form_fields(request)
    try:
        await services.set_consultation(_user(request), fields.get("open") == "1")
    except InstrumentStepError as error:
        return await _failed(request, error)
    return Redirect(path="/instruments", status_code=303)


async def _consultation(request: Request, status_code: int = 200, **extra: Any) -> Template:
    user = _user(request)
    draft = await services.current_draft()
    if draft is None or not await services.may_comment(user):
        raise NotFoundException()
    working_group = await services.in_working_group(user)
    shown = await services.comments(user, draft)
    instrument_items = [
        (domain, item)
        for domain in draft.raw.get("domains") or []
        for item in domain.get("items") or []
    ]
    by_item: dict[str, list] = {}
    for comment in shown:
        by_item.setdefault(comment.item_id, []).append(comment)
    context = {
        "draft": draft,
        "working_group": working_group,
        "instrument_items": instrument_items,
        "by_item": by_item,
        "comment_count": len(shown),
        "languages": LANGUAGES,
        **extra,
    }
    return render(
        request, "instruments/consultation.html", context, status_code=status_code, headers=NO_STORE
    )


@get("/instruments/draft/comments", name="instrument_comments", guards=[readers])
async def instrument_comments(request: Request) -> Template:
    return await _consultation(request)


@post(
    "/instruments/draft/comments",
    name="instrument_comment_add",
    guards=[readers],
    status_code=200,
)
async def instrument_comment_add(request: Request) -> Template | Redirect:
    fields = await form_fields(request)
    item_id = fields.get("item", "")
    try:
        await services.add_comment(_user(request), item_id, fields.get("text", ""))
    except InstrumentStepError as error:
        if error.status == 404:
            raise NotFoundException() from error
        return await _consultation(
            request,
            error.status,
            error=error.message,
            error_item=item_id,
            typed=fields.get("text", ""),
        )
    return Redirect(path=f"/instruments/draft/comments?sent=1#item-{item_id}", status_code=303)


@post(
    "/instruments/comments/{comment_id:str}/outcome",
    name="instrument_comment_outcome",
    guards=[readers],
    status_code=200,
)
async def instrument_comment_outcome(
    request: Request, comment_id: FromPath[str]
) -> Template | Redirect:
    fields = await form_fields(request)
    try:
        await services.decide_comment(
            _user(request), comment_id, fields.get("outcome", ""), fields.get("why", "")
        )
    except InstrumentStepError as error:
        if error.status == 404:
            raise NotFoundException() from error
        return await _consultation(
            request, error.status, error=error.message, error_comment=comment_id
        )
    return Redirect(path=f"/instruments/draft/comments#comment-{comment_id}", status_code=303)


def _download(text: str, name: str) -> Response:
    return Response(
        content=text.encode("utf-8"),
        media_type="application/json; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"', **NO_STORE},
    )


@get("/instruments/draft/export", name="instrument_draft_export", guards=[readers])
async def instrument_draft_export(request: Request) -> Response:
    draft = await services.current_draft()
    if draft is None or not await services.in_working_group(_user(request)):
        raise NotFoundException()
    return _download(json.dumps(draft.publishable(), ensure_ascii=False, indent=2), "draft.json")


@get("/instruments/{version:str}/export", name="instrument_export", guards=[readers])
async def instrument_export(version: FromPath[str]) -> Response:
    await services.import_shipped_versions()
    row = await services.published_definition(version)
    if row is None:
        raise NotFoundException()
    return _download(row, f"v{version}.json")


# --- The practice report ----------------------------------------------------------------------


def _period(request: Request, user: CurrentUser) -> tuple[date, date]:
    """The period asked for, or last quarter; a bad date gives a 400 with a reason."""
    default_start, default_end = practice.last_quarter(today_for(user))
    try:
        start = date.fromisoformat(request.query_params.get("from") or default_start.isoformat())
        end = date.fromisoformat(request.query_params.get("to") or default_end.isoformat())
    except ValueError as error:
        raise InstrumentStepError(400, _("Dates are written YYYY-MM-DD.")) from error
    if end < start:
        raise InstrumentStepError(400, _("The period ends before it starts."))
    return start, end


async def _practice(request: Request) -> tuple[practice.Practice, list[practice.Section]]:
    user = _user(request)
    if not await services.in_working_group(user):
        raise NotFoundException()
    start, end = _period(request, user)
    draft = await services.current_draft()
    report = await practice.practice_report(user, start, end, draft.instrument() if draft else None)
    return report, practice.sections(report, library().current())


@get("/instruments/practice", name="instrument_practice", guards=[readers])
async def instrument_practice(request: Request) -> Template:
    try:
        report, sections = await _practice(request)
    except InstrumentStepError as error:
        return render(
            request,
            "instruments/practice.html",
            {"error": error.message, "report": None, "charts": []},
            status_code=error.status,
            headers=NO_STORE,
        )
    charts = []
    for section in sections:
        choices = ChoiceList(section.id, tuple((code, label) for code, label, _v in section.rows))
        shown = {code: value for code, _label, value in section.rows}
        charts.append(
            {
                "id": section.id,
                "title": section.title,
                "rows": bar_rows(shown, choices, keep_zero=True),
            }
        )
    query = urlencode({"from": report.start.isoformat(), "to": report.end.isoformat()})
    context = {"error": "", "report": report, "charts": charts, "query": query}
    return render(request, "instruments/practice.html", context, headers=NO_STORE)


@get("/instruments/practice.csv", name="instrument_practice_csv", guards=[readers])
async def instrument_practice_csv(request: Request) -> Response:
    try:
        report, sections = await _practice(request)
    except InstrumentStepError as error:
        return Response(content=error.message, status_code=error.status, media_type="text/plain")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["section", "code", "label", "count"])
    for section in sections:
        for code, label, value in section.rows:
            writer.writerow([section.id, code, label, value])
    await record("export_instrument_report", _user(request), "instrument", "practice.csv")
    name = f"practice-{report.start.isoformat()}-{report.end.isoformat()}.csv"
    return Response(
        content=buffer.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"', **NO_STORE},
    )


@get("/instruments/practice.docx", name="instrument_practice_docx", guards=[readers])
async def instrument_practice_docx(request: Request) -> Response:
    try:
        report, sections = await _practice(request)
    except InstrumentStepError as error:
        return Response(content=error.message, status_code=error.status, media_type="text/plain")
    period = f"{format_date(report.start)} – {format_date(report.end)}"
    await record("export_instrument_report", _user(request), "instrument", "practice.docx")
    name = f"practice-{report.start.isoformat()}-{report.end.isoformat()}.docx"
    return Response(
        content=word.practice_document(period, sections),
        media_type=DOCX_TYPE,
        headers={"content-disposition": f'attachment; filename="{name}"', **NO_STORE},
    )


# --- Implementation guidelines -----------------------------------------------------------------


def _published(version: str) -> Instrument:
    instrument = library().get(version)
    if instrument is None:
        raise NotFoundException()
    return instrument


@get("/instruments/{version:str}/guide", name="instrument_guide", guards=[readers])
async def instrument_guide(request: Request, version: FromPath[str]) -> Template:
    guide = guide_of(_published(version))
    return render(request, "instruments/guide.html", {"guide": guide}, headers=NO_STORE)


@get("/instruments/{version:str}/guide.docx", name="instrument_guide_docx", guards=[readers])
async def instrument_guide_docx(version: FromPath[str]) -> Response:
    instrument = _published(version)
    return Response(
        content=word.guide_document(guide_of(instrument)),
        media_type=DOCX_TYPE,
        headers={
            "content-disposition": f'attachment; filename="guide-v{instrument.version}.docx"',
            **NO_STORE,
        },
    )


router = Router(
    path="/",
    route_handlers=[
        instruments_page,
        instrument_draft_start,
        instrument_upload,
        instrument_draft,
        instrument_draft_save,
        instrument_domain_add,
        instrument_draft_preview,
        instrument_publish,
        instrument_discard,
        instrument_consultation,
        instrument_comments,
        instrument_comment_add,
        instrument_comment_outcome,
        instrument_draft_export,
        instrument_export,
        instrument_practice,
        instrument_practice_csv,
        instrument_practice_docx,
        instrument_guide,
        instrument_guide_docx,
    ],
)
