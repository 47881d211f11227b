"""CSRF protection exactly as the contract states it.

A state-changing request made with a session cookie must carry the session's CSRF token,
in the `X-CSRFToken` header or the form's `_csrf_token` field. Without a session (the
login form) a token, when sent, must match the `csrftoken` cookie; and every
state-changing request from a browser must come from our own origin.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from litestar import Request
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from server.core.cookies import csrf_cookie_name
from server.core.i18n import gettext as _

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
FORM_FIELD = "_csrf_token"
HEADER = "x-csrftoken"
# Device-token endpoints: authenticated by a bearer token that no other site can send; and
# the service worker's subscription replacement, authenticated by the old subscription's
# endpoint and auth secret (the worker has no CSRF token; a cookie proves nothing there).
EXEMPT_PATHS = ("/api/v1/sync", "/api/v1/push/subscriptions/replace")


def same_origin(origin: str, host: str) -> bool:
    if not origin or origin == "null":
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


class CSRFMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request: Request = Request(scope, receive)
        if request.method in SAFE_METHODS or request.url.path in EXEMPT_PATHS:
            await next_app(scope, receive, send)
            return

        origin = request.headers.get("origin")
        if origin is not None and not same_origin(origin, request.headers.get("host", "")):
            raise PermissionDeniedException(_("This request did not come from Alongside."))

        submitted = request.headers.get(HEADER, "")
        if not submitted and request.content_type[0] in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            form = await request.form()
            value = form.get(FORM_FIELD, "")
            submitted = value if isinstance(value, str) else ""

        if scope.get("session_id"):
            expected = scope.get("csrf_token", "")
            valid = bool(submitted) and hmac.compare_digest(submitted.encode(), expected.encode())
        elif submitted:
            expected = request.cookies.get(csrf_cookie_name(), "")
            valid = bool(expected) and hmac.compare_digest(submitted.encode(), expected.encode())
        else:
            # No session and no token: a script logging in. Browsers send Origin on every
            # cross-site POST, which the check above has already refused.
            valid = True
        if not valid:
            raise PermissionDeniedException(
                _("Your form has expired. Reload the page and try again.")
            )
        await next_app(scope, receive, send)
