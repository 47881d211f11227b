"""The service provider directory: managed by supervisors and admins of a team country,
searched by everyone who refers people (offline too: the directory page is an offline copy)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.core.forms import form_fields
from server.core.guards import role_in, signed_in
from server.core.i18n import gettext as _
from server.core.templating import is_offline_copy, render
from server.entries import categories as c
from server.providers import services
from server.regions.lists import places

managing = role_in("supervisor", "admin")


def _choices(country: str) -> dict:
    return {
        "service_options": c.SERVICE_TYPE.options,
        "place_options": places(country),
        "language_options": services.language_options(),
    }


def _named(providers: list[dict]) -> list[dict]:
    """Providers with their services and languages named in the reader's language."""
    for provider in providers:
        provider["service_names"] = ", ".join(
            str(c.SERVICE_TYPE.label(code)) for code in provider["services"]
        )
        provider["language_names"] = ", ".join(
            services.language_name(code) for code in provider["languages"]
        )
    return providers


@get("/providers/directory", name="provider_directory", guards=[signed_in])
async def provider_directory(request: Request) -> Template:
    """The search by service, place and language. Without JavaScript the form filters on the
    server; with it (and offline, from the page's offline copy) the page filters itself, by
    the same rule (services.matches)."""
    user = request.scope["user"]
    providers = _named(await services.providers_of(user.country))
    wanted = {
        key: "" if is_offline_copy(request) else request.query_params.get(key, "")
        for key in ("service", "place", "language")
    }
    shown = [p for p in providers if services.matches(p, **wanted)]
    return render(
        request,
        "providers/directory.html",
        {"providers": providers, "shown": {p["id"] for p in shown}, "wanted": wanted}
        | _choices(user.country),
    )


@get("/providers", name="provider_list", guards=[managing])
async def provider_list(request: Request) -> Template:
    user = request.scope["user"]
    providers = _named(await services.providers_of(user.country, active_only=False))
    return render(request, "providers/list.html", {"providers": providers} | _choices(user.country))


def _form(request: Request, values: dict, errors: list[str], provider_id: str = "") -> Template:
    user = request.scope["user"]
    return render(
        request,
        "providers/form.html",
        {"values": values, "errors": errors, "provider_id": provider_id} | _choices(user.country),
        status_code=422 if errors else 200,
    )


EMPTY = {
    "organisation": "",
    "services": [],
    "place": "",
    "address": "",
    "phone": "",
    "hours": "",
    "languages": [],
    "without_documents": False,
    "notes": "",
    "active": True,
}


@get("/providers/new", name="provider_new", guards=[managing])
async def provider_new(request: Request) -> Template:
    return _form(request, dict(EMPTY), [])


async def _read_form(request: Request) -> dict:
    form = await request.form()
    raw = await form_fields(request)
    raw["services"] = [v for v in form.getall("services", []) if isinstance(v, str)]
    raw["languages"] = [v for v in form.getall("languages", []) if isinstance(v, str)]
    raw["without_documents"] = raw.get("without_documents") == "1"
    raw["active"] = True
    return raw


@post("/providers", name="provider_create", guards=[managing])
async def provider_create(request: Request) -> Template | Redirect:
    user = request.scope["user"]
    draft = services.read_provider(await _read_form(request), user.country)
    if draft.errors:
        return _form(request, draft.values, draft.errors)
    await services.save_provider(user.country, draft.values, None)
    return Redirect("/providers", status_code=303)


@get("/providers/{provider_id:str}/edit", name="provider_edit", guards=[managing])
async def provider_edit(request: Request, provider_id: FromPath[str]) -> Template:
    provider = await services.provider_of(request.scope["user"].country, provider_id)
    if provider is None:
        raise NotFoundException()
    return _form(request, provider, [], provider["id"])


@post("/providers/{provider_id:str}", name="provider_update", guards=[managing])
async def provider_update(request: Request, provider_id: FromPath[str]) -> Template | Redirect:
    user = request.scope["user"]
    provider = await services.provider_of(user.country, provider_id)
    if provider is None:
        raise NotFoundException()
    raw = await _read_form(request)
    raw["active"] = provider["active"]
    draft = services.read_provider(raw, user.country)
    if draft.errors:
        return _form(request, draft.values, draft.errors, provider["id"])
    await services.save_provider(user.country, draft.values, provider["id"])
    return Redirect("/providers", status_code=303)


@post("/providers/{provider_id:str}/active", name="provider_activate", guards=[managing])
async def provider_activate(request: Request, provider_id: FromPath[str]) -> Redirect:
    """Deactivate (`active=0`) or reactivate: a provider is never deleted, since referrals
    made to it keep naming it."""
    user = request.scope["user"]
    provider = await services.provider_of(user.country, provider_id)
    if provider is None:
        raise NotFoundException()
    fields = await form_fields(request)
    await services.set_active(user.country, provider["id"], fields.get("active") == "1")
    return Redirect("/providers", status_code=303)


@get(
    "/providers/attention", name="provider_attention", guards=[role_in("supervisor", "coordinator")]
)
async def provider_attention(request: Request) -> Template:
    """Providers that decline the team's referrals or never answer them: for the supervisor
    to take up, and for a coordinator to record as a systemic problem (the entry starts
    prefilled from the figures)."""
    user = request.scope["user"]
    today = datetime.now(ZoneInfo(user.time_zone or "UTC")).date()
    providers = await services.providers_needing_attention(user.team_id, user.country, today)
    return render(
        request,
        "providers/attention.html",
        {"providers": providers, "can_record": user.role == "coordinator"},
    )


@get("/providers.csv", name="provider_export", guards=[managing])
async def provider_export(request: Request) -> Response:
    user = request.scope["user"]
    providers = await services.providers_of(user.country, active_only=False)
    return Response(
        services.export_csv(providers),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="providers-{user.country}.csv"'},
    )


@get("/providers/import", name="provider_import_form", guards=[managing])
async def provider_import_form(request: Request) -> Template:
    return render(request, "providers/import.html", {"result": None})


@post("/providers/import", name="provider_import", guards=[managing])
async def provider_import(request: Request) -> Template:
    user = request.scope["user"]
    form = await request.form()
    upload = form.get("file")
    data = await upload.read() if upload is not None and hasattr(upload, "read") else b""
    if not data:
        result = services.ImportResult(errors=[(0, _("Choose a CSV file to import."))])
    else:
        result = await services.import_csv(user.country, data)
    return render(
        request,
        "providers/import.html",
        {"result": result},
        status_code=422 if result.errors else 200,
    )


router = Router(
    path="/",
    route_handlers=[
        provider_directory,
        provider_list,
        provider_attention,
        provider_new,
        provider_create,
        provider_export,
        provider_import_form,
        provider_import,
        provider_edit,
        provider_update,
        provider_activate,
    ],
)
