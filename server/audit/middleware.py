"""Failed authorisations go to the audit log: a signed-in person refused (403) or told a
thing is not there (404 from a page that exists: what access rules answer for things that
are not theirs), and a device token refused on sync (401)."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.core.logs import route_template


class AccessDeniedAudit(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    should_bypass_for_scope = staticmethod(
        lambda scope: scope["path"].startswith("/static/") or scope["path"] == "/healthz"
    )

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        status = 0

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await next_app(scope, receive, send_and_note)
        user = scope.get("user")
        route = route_template(scope)
        if (status in (403, 404) and user is not None) or (
            status == 401 and route == "/api/v1/sync"
        ):
            from server.audit.services import record

            action = "device_refused" if status == 401 else "access_denied"
            # The route's template, not the path: a path may hold a case code.
            await record(action, user, "path", route)
