"""Errors as the user should see them: a page in their language, or JSON for the API."""

from __future__ import annotations

import logging
import traceback
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from server.core import i18n
from server.core.cookies import LANGUAGE_COOKIE
from server.core.i18n import gettext as _
from server.core.templating import render

log = logging.getLogger("alongside.errors")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def default_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please log in."),
        403: _("You may not do this."),
        404: _("Nothing is here. The page may have moved, or it is not yours to see."),
        405: _("This address does not take that kind of request."),
        413: _("What you sent is too large."),
        429: _("Too many attempts. Wait a few minutes and try again."),
        500: _("Something went wrong on our side. Nothing you saved is lost; try again."),
        503: _("Alongside is not available right now. Try again in a few minutes."),
    }
    return messages.get(status, messages[400] if status < 500 else messages[500])


def _message_of(exc: HTTPException) -> str:
    # Litestar's own messages ("Not Found", validation detail) are English and technical;
    # ours are already translated and are passed through.
    detail = exc.detail or ""
    generic = {
        "",
        "Not Found",
        "Unauthorized",
        "Forbidden",
        "Bad Request",
        "Method Not Allowed",
        "Request Entity Too Large",
        "Too Many Requests",
        "Internal Server Error",
        "Service Unavailable",
        "Validation failed",
    }
    if detail in generic or detail.startswith(("Validation failed", "Missing required")):
        return default_message(exc.status_code)
    return detail


def error_page(request: Request, status: int, message: str) -> Response | Template:
    if wants_json(request):
        return Response(
            {"error": {"code": str(status), "message": message}},
            status_code=status,
            media_type=MediaType.JSON,
        )
    if "user" not in request.scope:
        # No route matched, so the session middleware did not run: pick the language from
        # what the browser says.
        request.scope["user"] = None
        i18n.current_language.set(
            i18n.pick_language(
                request.cookies.get(LANGUAGE_COOKIE),
                accept_language=request.headers.get("accept-language", ""),
            )
        )
    return render(
        request, "errors/error.html", {"status": status, "message": message}, status_code=status
    )


def http_exception_handler(request: Request, exc: HTTPException) -> Response | Template:
    if isinstance(exc, NotAuthorizedException) and not wants_json(request):
        target = "/login?next=" + quote(request.url.path, safe="/")
        if request.headers.get("hx-request"):
            return Response(b"", status_code=401, headers={"HX-Redirect": target})
        return Redirect(path=target, status_code=303)
    return error_page(request, exc.status_code, _message_of(exc))


def internal_error_handler(request: Request, exc: Exception) -> Response | Template:
    # The log names the path and the type of error only: never a form value or a message
    # that might quote one.
    log.error(
        "unhandled %s on %s %s\n%s",
        type(exc).__name__,
        request.method,
        request.url.path,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    return error_page(
        request, HTTP_500_INTERNAL_SERVER_ERROR, default_message(HTTP_500_INTERNAL_SERVER_ERROR)
    )


exception_handlers = {
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}
