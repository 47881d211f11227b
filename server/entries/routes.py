"""Entry schemas, capture forms and the unsealed entry page."""

from __future__ import annotations

from litestar import Request, Router, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from server.approvals.services import correction_prefill, return_comment, review
from server.audit.services import record
from server.cases.tables import Case
from server.core.guards import role_in, signed_in
from server.core.i18n import gettext as _
from server.core.templating import render
from server.deadlines.services import offered_hearings
from server.entries.access import visible_cases, visible_entry
from server.entries.definitions import ENTRY_TYPES, all_schemas
from server.entries.presentation import present_fields
from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry
from server.risk.presentation import form_context as risk_form_context


@get("/api/v1/schema/entries", name="entry_schemas")
async def entry_schemas() -> dict:
    return all_schemas()


async def case_choices(request: Request) -> list[dict]:
    """The open cases this user may log work for: codes only, never names."""
    query = visible_cases(
        request.scope["user"],
        Case.select(Case.id, Case.code, Case.region).where(Case.status == "open"),
    )
    return [] if query is None else await query.order_by(Case.code)


@get("/capture", name="capture_menu", guards=[role_in("coordinator", "shelter")])
async def capture_menu(request: Request) -> Template:
    return render(request, "entries/capture_menu.html", {"entry_types": ENTRY_TYPES.values()})


@get("/capture/{type_key:str}", name="capture_form", guards=[role_in("coordinator", "shelter")])
async def capture_form(request: Request, type_key: FromPath[str]) -> Template:
    entry_type = ENTRY_TYPES.get(type_key)
    if entry_type is None or request.scope["user"].role not in entry_type.roles:
        raise NotFoundException(_("There is no such form."))
    return render(
        request,
        "entries/capture.html",
        {
            "entry_type": entry_type,
            "cases": await case_choices(request) if entry_type.case == "required" else [],
            "linked_cases": await case_choices(request)
            if any(f.kind == "cases" for f in entry_type.fields)
            else [],
            "country": request.scope["user"].country,
            "revises": request.query_params.get("revises", ""),
            # Correcting a returned entry: the supervisor's comment says what to correct.
            "return_decision": await return_comment(
                request.scope["user"], request.query_params.get("revises", "")
            ),
            # ...and the form starts from what was written, so only the mistake is retyped.
            "prefill": await correction_prefill(
                request.scope["user"], request.query_params.get("revises", ""), type_key
            ),
            # The open hearings an accompaniment may record or an update may move or cancel.
            "hearings": await offered_hearings(request.scope["user"])
            if any(f.kind == "hearing" for f in entry_type.fields)
            else [],
            # The risk assessment's questions come from the instrument file, in this language.
            "risk": risk_form_context() if type_key == "risk_assessment" else None,
        },
    )


@get("/entries/{entry_id:str}", name="entry_page", guards=[signed_in])
async def entry_page(request: Request, entry_id: FromPath[str]) -> Template:
    user = request.scope["user"]
    row = await visible_entry(
        user,
        entry_id,
        *ENVELOPE_COLUMNS,
        Entry.type,
        Entry.status,
        Entry.occurred_at,
        Entry.received_at,
        Entry.revises,
        Entry.author,
        Entry.author.username,
        Entry.case.code,
    )
    if row is None:
        raise NotFoundException()
    plaintext = open_entry(row)
    await record("view_entry", user, "entry", entry_id)
    entry_type = ENTRY_TYPES[row["type"]]
    return render(
        request,
        "entries/entry.html",
        {
            "entry": row,
            "entry_type": entry_type,
            "fields": present_fields(entry_type, plaintext.get("fields", {})),
            "occurred_at": plaintext.get("occurred_at"),
            # Versions, decisions and (for the team's supervisor) the approve/return controls.
            "review": await review(user, row),
        },
    )


router = Router(path="/", route_handlers=[entry_schemas, capture_menu, capture_form, entry_page])
