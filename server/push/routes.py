"""The Web Push API of the contract: the VAPID public key, and subscribing a browser."""

from __future__ import annotations

import json

from litestar import Request, Response, Router, get, post

from server.core.guards import signed_in
from server.core.i18n import gettext as _
from server.push import services, vapid


def _error(status: int, code: str, message: str) -> Response:
    return Response({"error": {"code": code, "message": message}}, status_code=status)


@get("/api/v1/push/vapid-public-key", name="push_public_key")
async def push_public_key() -> dict:
    return {"key": vapid.public_key()}


async def _json(request: Request) -> object:
    return json.loads(await request.body())


@post("/api/v1/push/subscriptions", name="push_subscribe", guards=[signed_in])
async def push_subscribe(request: Request) -> Response:
    try:
        data = await _json(request)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "bad_request", _("The body must be JSON."))
    try:
        await services.subscribe(
            request.scope["user"].id, data, request.headers.get("user-agent", "")
        )
    except services.SubscriptionError as error:
        return _error(422, "invalid_subscription", str(error))
    return Response({"status": "subscribed"}, status_code=201)


@post("/api/v1/push/subscriptions/replace", name="push_replace", status_code=200)
async def push_replace(request: Request) -> Response:
    """`{"old": {"endpoint", "keys": {"auth"}}, "new": <PushSubscription JSON>}` from the
    service worker when the browser changed the subscription. No session: the old endpoint
    and its auth secret are the proof (see `services.replace_subscription`)."""
    try:
        data = await _json(request)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "bad_request", _("The body must be JSON."))
    if not isinstance(data, dict) or "old" not in data or "new" not in data:
        return _error(400, "bad_request", _("The body needs the old and the new subscription."))
    try:
        replaced = await services.replace_subscription(
            data["old"], data["new"], request.headers.get("user-agent", "")
        )
    except services.SubscriptionError as error:
        return _error(422, "invalid_subscription", str(error))
    if not replaced:
        return _error(404, "not_found", _("This device is not subscribed."))
    return Response({"status": "replaced"})


@post("/api/v1/push/subscriptions/state", name="push_state", guards=[signed_in], status_code=200)
async def push_state(request: Request) -> Response:
    """This device's reminders on or off (`{"endpoint", "enabled"}`), or forgotten
    (`{"endpoint", "forget": true}`, when the browser unsubscribed)."""
    try:
        data = await _json(request)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "bad_request", _("The body must be JSON."))
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str):
        return _error(400, "bad_request", _("The body needs the subscription's endpoint."))
    user_id = request.scope["user"].id
    if data.get("forget") is True:
        found = await services.unsubscribe(user_id, endpoint)
    else:
        found = await services.set_enabled(user_id, endpoint, data.get("enabled") is True)
    if not found:
        return _error(404, "not_found", _("This device is not subscribed."))
    return Response({"enabled": data.get("enabled") is True and not data.get("forget")})


router = Router(
    path="/", route_handlers=[push_public_key, push_subscribe, push_replace, push_state]
)
