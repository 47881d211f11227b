"""Every server process scores with the versions published so far, whichever process
published them: before a request, the risk library is brought up to date with the database."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from server.instruments.services import refresh_library


class PublishedInstruments(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    # Static files and the health check never score an assessment (and the health check
    # must answer 503, not fail here, when the database is down).
    should_bypass_for_scope = staticmethod(
        lambda scope: scope["path"].startswith("/static/") or scope["path"] == "/healthz"
    )

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        await refresh_library()
        await next_app(scope, receive, send)
