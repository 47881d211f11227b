"""Entry schemas, capture forms and the unsealed entry page."""

from __future__ import annotations

from litestar import Request, Router, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from server.approvals.services import correction_prefill, return_comment, review
from server.audit.services import record
from server.cases.services import described_cases
from server.cases.tables import Case
from server.core.guards import role_in, signed_in
from server.core.i18n import gettext as _
from server.core.templating import is_offline_copy, render
from server.deadlines.services import offered_hearings
from server.entries.access import entry_types_for, visible_cases, visible_entry
from server.entries.definitions import ENTRY_TYPES, all_schemas
from server.entries.presentation import has_identity, present_fields
from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry
from server.providers.services import providers_of, referral_update_prefill
from server.providers.services import started_problem as provider_problem_prefill
from server.risk.presentation import form_context as risk_form_context


@get("/api/v1/schema/entries", name="entry_schemas")
async def entry_schemas() -> dict:
    return all_schemas()


async def case_choices(request: Request) -> list[dict]:
    """The open cases this user may log work for: codes, never names, with age band, region
    and last contact to tell them apart; the user's own label only when the form is rendered
    online (its offline copy on the phone never carries it)."""
    user = request.scope["user"]
    query = visible_cases(
        user,
        Case.select(Case.id, Case.code, Case.region, Case.age_band, Case.consent_sharing).where(
            Case.status == "open"
        ),
    )
    if query is None:
        return []
    cases = await query.order_by(Case.code)
    return await described_cases(user, cases, online=not is_offline_copy(request))


@get("/capture", name="capture_menu", guards=[role_in("coordinator", "shelter")])
async def capture_menu(request: Request) -> Template:
    return render(
        request,
        "entries/capture_menu.html",
        {"entry_types": entry_types_for(request.scope["user"])},
    )


@get("/capture/{type_key:str}", name="capture_form", guards=[role_in("coordinator", "shelter")])
async def capture_form(request: Request, type_key: FromPath[str]) -> Template:
    user = request.scope["user"]
    entry_type = ENTRY_TYPES.get(type_key)
    if entry_type is None or not entry_type.is_for(user.role, user.country):
        raise NotFoundException(_("There is no such form."))
    revises = request.query_params.get("revises", "")
    show_identity = request.query_params.get("identity") == "1"
    prefill = await correction_prefill(user, revises, type_key, show_identity=show_identity)
    if prefill is None and type_key == "referral" and revises:
        # A new status of a referral: a later version of it (server.providers).
        prefill = await referral_update_prefill(user, revises)
    if prefill is None and type_key == "systemic_problem" and request.query_params.get("provider"):
        # Started from a provider that declines or does not answer (server.providers).
        prefill = await provider_problem_prefill(user, request.query_params["provider"])
    if prefill and show_identity and has_identity(entry_type):
        await record("view_identity", user, "entry", revises)
    needs_cases = entry_type.case == "required" or any(f.kind == "cases" for f in entry_type.fields)
    cases = await case_choices(request) if needs_cases else []
    return render(
        request,
        "entries/capture.html",
        {
            "entry_type": entry_type,
            "cases": cases if entry_type.case == "required" else [],
            "linked_cases": cases if any(f.kind == "cases" for f in entry_type.fields) else [],
            "country": request.scope["user"].country,
            "revises": revises,
            # Correcting a returned entry: the supervisor's comment says what to correct.
            "return_decision": await return_comment(
                request.scope["user"], request.query_params.get("revises", "")
            ),
            # ...and the form starts from what was written, so only the mistake is retyped.
            "prefill": prefill,
            # The open hearings an accompaniment may record or an update may move or cancel.
            "hearings": await offered_hearings(request.scope["user"])
            if any(f.kind == "hearing" for f in entry_type.fields)
            else [],
            # A referral picks its provider from the directory of the team's country.
            "providers": await providers_of(user.country)
            if any(f.kind == "provider" for f in entry_type.fields)
            else [],
            # The risk assessment's questions come from the instrument file, in this language.
            "risk": risk_form_context() if type_key == "risk_assessment" else None,
        },
    )


async def _entry_page(request: Request, entry_id: str, *, show_identity: bool) -> Template:
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
    entry_type = ENTRY_TYPES[row["type"]]
    if show_identity and not has_identity(entry_type):
        raise NotFoundException()
    plaintext = open_entry(row)
    await record("view_entry", user, "entry", entry_id)
    if show_identity:
        # Who the person is was asked for on purpose: that is what the audit log keeps.
        await record("view_identity", user, "entry", entry_id)
    return render(
        request,
        "entries/entry.html",
        {
            "entry": row,
            "entry_type": entry_type,
            "fields": present_fields(
                entry_type, plaintext.get("fields", {}), show_identity=show_identity
            ),
            "occurred_at": plaintext.get("occurred_at"),
            "erased": plaintext.get("erased", False),
            # Versions, decisions and (for the team's supervisor) the approve/return controls.
            "review": await review(user, row),
        },
    )


@get("/entries/{entry_id:str}", name="entry_page", guards=[signed_in])
async def entry_page(request: Request, entry_id: FromPath[str]) -> Template:
    return await _entry_page(request, entry_id, show_identity=False)


@get("/entries/{entry_id:str}/identity", name="entry_identity", guards=[signed_in])
async def entry_identity(request: Request, entry_id: FromPath[str]) -> Template:
    """The entry with who the person is: the one way to see an intake's identity."""
    return await _entry_page(request, entry_id, show_identity=True)


router = Router(
    path="/",
    route_handlers=[entry_schemas, capture_menu, capture_form, entry_page, entry_identity],
)
