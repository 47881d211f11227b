"""Attach the session's user, language and time zone to every request."""

from __future__ import annotations

import secrets

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.accounts.services import TIME_ZONES
from server.accounts.sessions import load_session
from server.core import i18n
from server.core.cookies import (
    LANGUAGE_COOKIE,
    cookie_header,
    csrf_cookie_name,
    session_cookie_name,
)


class SessionMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    # Static files and the health check need no session (and must not cost a query).
    should_bypass_for_scope = staticmethod(
        lambda scope: scope["path"].startswith("/static/") or scope["path"] == "/healthz"
    )

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request: Request = Request(scope, receive)
        token = request.cookies.get(session_cookie_name())
        session = await load_session(token) if token else None
        user = session.user if session else None
        # Until the second factor is given, the session's user is nobody to every guard and
        # page; only the second-factor pages look at `pending_user`.
        scope["pending_user"] = user if session and session.pending_second_factor else None
        if scope["pending_user"] is not None:
            user = None
        scope["reauthenticated_at"] = session.reauthenticated_at if session else None

        scope["user"] = user
        scope["session_id"] = session.id if session else None
        csrf_cookie = request.cookies.get(csrf_cookie_name(), "")
        # Before login, a random token (double-submit); after login, the session's own token.
        csrf_token = session.csrf_token if session else (csrf_cookie or secrets.token_urlsafe(32))
        scope["csrf_token"] = csrf_token
        scope["session_cookie_stale"] = bool(token) and session is None

        language = i18n.pick_language(
            user.language if user else None,
            request.cookies.get(LANGUAGE_COOKIE),
            accept_language=request.headers.get("accept-language", ""),
        )
        time_zone = (user.time_zone or TIME_ZONES.get(user.country, "UTC")) if user else "UTC"
        language_token = i18n.current_language.set(language)
        zone_token = i18n.current_time_zone.set(time_zone)

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                already = " ".join(headers.getall("set-cookie", []))
                if csrf_cookie != scope["csrf_token"] and csrf_cookie_name() + "=" not in already:
                    headers.add(
                        "set-cookie",
                        cookie_header(csrf_cookie_name(), scope["csrf_token"], http_only=False),
                    )
            await send(message)

        try:
            await next_app(scope, receive, send_with_cookies)
        finally:
            i18n.current_language.reset(language_token)
            i18n.current_time_zone.reset(zone_token)
