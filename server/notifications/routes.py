"""The inbox: notifications of the signed-in user, and the unread count the navigation shows."""

from __future__ import annotations

from litestar import Request, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.core.forms import safe_next
from server.core.guards import signed_in
from server.core.templating import render
from server.notifications import services

UNREAD_SCOPE_KEY = "unread_notifications"


async def count_unread_notifications(request: Request) -> None:
    """Before each page: the signed-in user's unread count, for the header's inbox link
    (one indexed COUNT; rendered with the page, so no second request can fail)."""
    user = request.scope.get("user")
    if user is None or request.method != "GET" or request.url.path.startswith("/api/"):
        return
    request.scope[UNREAD_SCOPE_KEY] = await services.unread_count(user.id)


@get("/notifications", name="notification_inbox", guards=[signed_in])
async def notification_inbox(request: Request) -> Template:
    user = request.scope["user"]
    notifications = await services.inbox(user.id)
    return render(
        request,
        "notifications/inbox.html",
        {
            "notifications": notifications,
            "unread": sum(1 for row in notifications if row["read_at"] is None),
        },
    )


@get("/notifications/unread", name="notification_badge", guards=[signed_in])
async def notification_badge(request: Request) -> Template:
    """The unread count beside "Notifications" in the navigation (loaded by htmx)."""
    count = await services.unread_count(request.scope["user"].id)
    return render(request, "notifications/_badge.html", {"unread": count})


@post("/notifications/{notification_id:int}/open", name="notification_open", guards=[signed_in])
async def notification_open(request: Request, notification_id: FromPath[int]) -> Redirect:
    url = await services.mark_read(request.scope["user"].id, notification_id)
    if url is None:
        raise NotFoundException()
    return Redirect(path=safe_next(url, default="/notifications"), status_code=303)


@post("/notifications/read", name="notifications_read", guards=[signed_in])
async def notifications_read(request: Request) -> Redirect:
    await services.mark_read(request.scope["user"].id)
    return Redirect(path="/notifications", status_code=303)


router = Router(
    path="/",
    route_handlers=[notification_inbox, notification_badge, notification_open, notifications_read],
)
