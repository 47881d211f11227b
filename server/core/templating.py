"""Jinja with gettext, locale filters and the context every page needs."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template

from server.core import i18n
from server.core.headers import csp_nonce
from server.core.navigation import navigation_for
from server.core.paths import STATIC_DIR, TEMPLATES_DIR

HTMX_FILE = "vendor/htmx-2.0.11.min.js"

# The service worker asks for a page it will keep for offline use with this header; the page
# is then rendered as an offline copy (templates leave out everything but codes and dates),
# and the response says so, so that the worker never keeps a page that was not.
OFFLINE_COPY_HEADER = "alongside-offline-copy"


def _static_version() -> str:
    """A short fingerprint of the static files, for cache busting in URLs and the SW cache."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


STATIC_VERSION = _static_version()


def build_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.translations(i18n.current_language.get()).gettext(message),
        lambda singular, plural, n: i18n.translations(i18n.current_language.get()).ngettext(
            singular, plural, n
        ),
        newstyle=True,
    )
    environment.filters.update(
        date=i18n.format_date,
        datetime=i18n.format_datetime,
        time=i18n.format_time,
        number=i18n.format_number,
        localised=i18n.localised,
    )
    environment.globals.update(
        static=lambda path: f"/static/{path}?v={STATIC_VERSION}",
        htmx_file=HTMX_FILE,
        languages=i18n.LANGUAGES,
    )
    return environment


template_engine = JinjaTemplateEngine.from_environment(build_environment())


def _mark(kind: str, value: object) -> str:
    if not value:
        return ""
    import hashlib

    return hashlib.sha256(f"alongside-{kind}-mark|{value}".encode()).hexdigest()[:16]


def session_mark(session_id: object) -> str:
    """A short token that changes with each login, for the service worker to notice one;
    it reveals neither the session id nor who is logged in."""
    return _mark("session", session_id)


def user_mark(user: object) -> str:
    """Who is logged in, for the phone's scripts (a device token belongs to one user), without
    putting a name into pages the phone keeps."""
    return _mark("user", getattr(user, "id", None))


def is_offline_copy(request: Request) -> bool:
    """Whether the service worker is fetching this page to keep it on the phone: such a copy
    carries nothing a lost phone must not give up (see server.pwa.routes.offline_pages)."""
    return request.headers.get(OFFLINE_COPY_HEADER) == "1"


def page_context(request: Request) -> dict[str, Any]:
    """What the base layout needs: who is here, their language, the CSRF token."""
    user = request.scope.get("user")
    return {
        "user": user,
        "navigation": navigation_for(user.role if user else None),
        "csrf_token": request.scope.get("csrf_token", ""),
        "language": i18n.current_language.get(),
        "locale_tag": i18n.locale_tag(),
        "path": request.url.path,
        "offline_copy": is_offline_copy(request),
        # Set before the handler by server.notifications (0 when not counted).
        "unread_notifications": request.scope.get("unread_notifications", 0),
        "session_mark": session_mark(request.scope.get("session_id")),
        "user_mark": user_mark(user),
        # Every <script> of a page carries it; the policy of this response names it.
        "csp_nonce": csp_nonce(request.scope),
    }


def render(
    request: Request,
    template_name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    merged = page_context(request)
    merged.update(context or {})
    headers = dict(headers or {})
    if merged["offline_copy"]:
        headers[OFFLINE_COPY_HEADER] = "1"
    return Template(
        template_name=template_name,
        context=merged,
        status_code=status_code,
        headers=headers,
    )
