"""The supervisor's queue and the decisions: thin handlers over `services`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.approvals import services
from server.approvals.services import DecisionError, QueueFilters
from server.core.forms import form_fields, safe_next
from server.core.guards import role_in
from server.core.i18n import gettext as _
from server.core.i18n import ngettext
from server.core.identity import CurrentUser
from server.core.templating import render
from server.entries.access import visible_entry
from server.entries.definitions import ENTRY_TYPES
from server.entries.tables import Entry
from server.regions.lists import region_names

QUEUE_TARGET = "queue"
REVIEW_TARGET = "review"
ROW_TARGET_PREFIX = "queue-"
MAX_WAITING_DAYS = 3650
supervisor_only = role_in("supervisor")


def _htmx_target(request: Request) -> str | None:
    """The element an htmx request (not a boosted link or form) will swap, else None."""
    headers = request.headers
    if headers.get("hx-request") != "true" or headers.get("hx-boosted") == "true":
        return None
    return headers.get("hx-target") or ""


def _filters(request: Request) -> tuple[QueueFilters, list[str], dict[str, str]]:
    params = request.query_params
    raw = {
        key: (params.get(key) or "").strip()[:64]
        for key in ("type", "coordinator", "case", "region", "days")
    }
    errors: list[str] = []
    entry_type = raw["type"] if raw["type"] in ENTRY_TYPES else ""
    if raw["type"] and not entry_type:
        errors.append(_("There is no such kind of entry. Choose one from the list."))
    days = None
    if raw["days"]:
        if raw["days"].isdigit() and 0 < int(raw["days"]) <= MAX_WAITING_DAYS:
            days = int(raw["days"])
        else:
            errors.append(_("Waiting longer than: give a number of days, like 3."))
    filters = QueueFilters(
        type=entry_type,
        coordinator=raw["coordinator"].lower(),
        case=raw["case"].upper(),
        region=raw["region"],
        waiting_days=days,
    )
    return filters, errors, raw


async def _queue_context(request: Request, message: str = "") -> dict[str, Any]:
    user: CurrentUser = request.scope["user"]
    filters, errors, raw = _filters(request)
    # One more than is shown, to say whether there are more.
    entries = (
        []
        if errors
        else await services.waiting_entries(user, filters, limit=services.QUEUE_LIMIT + 1)
    )
    return {
        "entries": entries[: services.QUEUE_LIMIT],
        "more": len(entries) > services.QUEUE_LIMIT,
        "counts": await services.queue_counts(user),
        "filters": raw,
        "filtered": filters.active,
        "errors": errors,
        "entry_types": ENTRY_TYPES,
        "coordinators": await services.coordinators(user),
        "regions": region_names(user.country),
        "message": message,
        "query": urlencode({k: v for k, v in raw.items() if v}),
        "limit": services.QUEUE_LIMIT,
    }


@get("/approvals", name="approval_queue", guards=[supervisor_only])
async def approval_queue(request: Request) -> Template:
    done = request.query_params.get("approved", "")
    message = ""
    if done.isdigit():
        count = int(done)
        message = ngettext("%(num)s entry approved.", "%(num)s entries approved.", count, num=count)
    context = await _queue_context(request, message)
    headers = {"vary": "HX-Request, HX-Target"}
    if _htmx_target(request) == QUEUE_TARGET:
        return render(request, "approvals/_queue.html", context, headers=headers)
    return render(
        request,
        "approvals/queue.html",
        context,
        status_code=400 if context["errors"] else 200,
        headers=headers,
    )


@get("/approvals/next", name="approval_next", guards=[supervisor_only])
async def approval_next(request: Request) -> Redirect:
    """Open the oldest entry still waiting (after deciding on one), or the queue when none."""
    following = await services.next_waiting(
        request.scope["user"], request.query_params.get("after")
    )
    return Redirect(path=f"/entries/{following}" if following else "/approvals", status_code=303)


@post("/approvals/approve", name="approve_selected", guards=[supervisor_only], status_code=200)
async def approve_selected(request: Request) -> Response | Template:
    """Approve the ticked entries: each one is its own decision, recorded and audited on
    its own; one that cannot be approved (decided meanwhile) does not stop the others."""
    user: CurrentUser = request.scope["user"]
    form = await request.form()
    ids = [value for value in form.getall("entry", []) if isinstance(value, str)][:200]
    approved = 0
    problems: list[str] = []
    for entry_id in dict.fromkeys(ids):
        try:
            await services.decide(user, entry_id, "approved")
            approved += 1
        except DecisionError as error:
            problems.append(error.message)
    message = (
        ngettext("%(num)s entry approved.", "%(num)s entries approved.", approved, num=approved)
        if ids
        else _("Tick the entries to approve first.")
    )
    if problems:
        message += " " + ngettext(
            "%(num)s was not approved: decided meanwhile, or not yours to decide.",
            "%(num)s were not approved: decided meanwhile, or not yours to decide.",
            len(problems),
            num=len(problems),
        )
    if _htmx_target(request) is not None:
        context = await _queue_context(request, message)
        return render(request, "approvals/_queue.html", context)
    return Redirect(path=f"/approvals?approved={approved}", status_code=303)


async def _decision_response(
    request: Request, entry_id: str, decision: str
) -> Response | Template | Redirect:
    user: CurrentUser = request.scope["user"]
    fields = await form_fields(request)
    comment = fields.get("comment", "")
    target = _htmx_target(request)
    try:
        await services.decide(user, entry_id, decision, comment)
    except DecisionError as error:
        if error.status == 404:
            raise NotFoundException() from error
        if target is None:
            return render(
                request,
                "errors/error.html",
                {"status": error.status, "message": error.message},
                status_code=error.status,
            )
        return await _decision_fragment(
            request, entry_id, target, error=error.message, comment=comment, status=error.status
        )
    if target is None:
        return Redirect(
            path=safe_next(fields.get("next"), default=f"/approvals/next?after={entry_id}"),
            status_code=303,
        )
    return await _decision_fragment(request, entry_id, target, decided=decision)


async def _decision_fragment(
    request: Request,
    entry_id: str,
    target: str,
    *,
    decided: str = "",
    error: str = "",
    comment: str = "",
    status: int = 200,
) -> Template:
    user: CurrentUser = request.scope["user"]
    entry = await visible_entry(user, entry_id, Entry.id, Entry.type, Entry.author, Entry.status)
    if entry is None:
        raise NotFoundException()
    context: dict[str, Any] = {
        "entry": entry,
        "entry_types": ENTRY_TYPES,
        "decided": decided,
        "error": error,
        "comment": comment,
        "next_id": await services.next_waiting(user, entry_id),
    }
    if target.startswith(ROW_TARGET_PREFIX):
        return render(request, "approvals/_decided_row.html", context, status_code=status)
    context["review"] = await services.review(user, entry)
    return render(request, "approvals/_review.html", context, status_code=status)


@post("/entries/{entry_id:str}/approve", name="entry_approve", guards=[supervisor_only])
async def entry_approve(request: Request, entry_id: FromPath[str]) -> Any:
    return await _decision_response(request, entry_id, "approved")


@post("/entries/{entry_id:str}/return", name="entry_return", guards=[supervisor_only])
async def entry_return(request: Request, entry_id: FromPath[str]) -> Any:
    return await _decision_response(request, entry_id, "returned")


@get("/returned", name="returned_to_me", guards=[role_in("coordinator", "shelter")])
async def returned_to_me(request: Request) -> Template:
    return render(
        request,
        "approvals/returned.html",
        {
            "returned": await services.returned_to(request.scope["user"]),
            "entry_types": ENTRY_TYPES,
        },
    )


router = Router(
    path="/",
    route_handlers=[
        approval_queue,
        approval_next,
        approve_selected,
        entry_approve,
        entry_return,
        returned_to_me,
    ],
)
