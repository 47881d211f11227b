"""The installable app: manifest, service worker (at the root, for scope `/`), offline page."""

from __future__ import annotations

from litestar import Request, Response, Router, get
from litestar.response import Template

from server.core.i18n import gettext as _
from server.core.paths import WEB_DIR
from server.core.templating import STATIC_VERSION, render

# Only static files and the offline page: never a page that can show a person's data.
PRECACHE = [
    "/offline",
    "/static/css/app.css?v=" + STATIC_VERSION,
    "/static/vendor/htmx-2.0.11.min.js?v=" + STATIC_VERSION,
    "/static/js/app.js?v=" + STATIC_VERSION,
    "/static/js/capture.js?v=" + STATIC_VERSION,
    "/static/js/seal.js",
    "/static/js/sync.js",
    "/static/js/outbox-db.js",
    "/static/icons/icon-192.png",
    "/static/icons/icon-512.png",
    "/static/icons/icon.svg",
]


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
    source = source.replace("__CACHE_VERSION__", STATIC_VERSION).replace(
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


router = Router(path="/", route_handlers=[manifest, service_worker, offline_page])
