"""The installable app: manifest, service worker (at the root, for scope `/`), offline page."""

from __future__ import annotations

from litestar import Request, Response, Router, get
from litestar.response import Template

from server.core.guards import signed_in
from server.core.i18n import gettext as _
from server.core.identity import CurrentUser
from server.core.paths import LOCALES_DIR, STATIC_DIR, TEMPLATES_DIR, WEB_DIR
from server.core.templating import STATIC_VERSION, render
from server.entries.access import entry_types_for


def _precache() -> list[str]:
    """Every static file, so that each page works offline; the cache is per static version."""
    files = sorted(p for p in STATIC_DIR.rglob("*") if p.is_file() and p.name != "LICENSE")
    return ["/offline"] + ["/static/" + p.relative_to(STATIC_DIR).as_posix() for p in files]


PRECACHE = _precache()


def _worker_version() -> str:
    """The worker's cache version: the static files, and also the templates and catalogues,
    since the offline copies of pages are made from them; any change makes phones install
    the new worker, which refreshes its copies."""
    import hashlib

    digest = hashlib.sha256(STATIC_VERSION.encode())
    for folder in (TEMPLATES_DIR, LOCALES_DIR):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".html", ".po"):
                digest.update(path.relative_to(folder).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


WORKER_VERSION = _worker_version()


def offline_pages(user: CurrentUser | None) -> list[str]:
    """The pages the service worker keeps for this user to open without a network.

    Only pages free of personal data: the capture forms (case codes, never names), the home
    page in its offline copy (case codes and dates), the outbox (filled on the phone from
    sealed envelopes' metadata), the Upcoming page (dates, kinds and case codes), the service
    provider directory (organisations, never people assisted: server.providers). A page
    fetched for this list is rendered as an offline copy (see
    `server.core.templating.OFFLINE_COPY_HEADER`), which leaves out anything else.
    """
    if user is None or not user.does_field_work:
        return []
    forms = [f"/capture/{entry_type.key}" for entry_type in entry_types_for(user)]
    return ["/", "/capture", *forms, "/outbox", "/upcoming", "/providers/directory"]


@get("/manifest.webmanifest", name="manifest", media_type="application/manifest+json")
async def manifest() -> dict:
    return {
        "name": "Alongside",
        "short_name": "Alongside",
        "description": _("Field tool for victim protection coordinators and shelter staff."),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f5f2",
        "theme_color": "#1f4e5a",
        "icons": [
            {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {
                "src": "/static/icons/icon-maskable-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }


@get("/sw.js", name="service_worker")
async def service_worker() -> Response:
    import json

    source = (WEB_DIR / "sw.js").read_text(encoding="utf-8")
    source = source.replace("__CACHE_VERSION__", WORKER_VERSION).replace(
        "__PRECACHE__", json.dumps(PRECACHE)
    )
    return Response(
        source,
        media_type="text/javascript",
        headers={"service-worker-allowed": "/", "cache-control": "no-cache"},
    )


@get("/offline", name="offline_page")
async def offline_page(request: Request) -> Template:
    # Rendered without the user: the service worker caches it for everyone.
    request.scope["user"] = None
    return render(request, "pwa/offline.html", {})


@get("/api/v1/offline-pages", name="offline_pages", guards=[signed_in])
async def offline_pages_list(request: Request) -> dict:
    return {"version": WORKER_VERSION, "pages": offline_pages(request.scope["user"])}


router = Router(
    path="/", route_handlers=[manifest, service_worker, offline_page, offline_pages_list]
)
