"""Registering and revoking devices."""

from __future__ import annotations

import json

from litestar import Request, Response, Router, delete, post
from litestar.params import FromPath

from server.audit.services import record
from server.core.guards import signed_in
from server.core.i18n import gettext as _
from server.devices.services import NAME_MAX, register_device, revoke_device


def _error(status: int, code: str, message: str) -> Response:
    return Response({"error": {"code": code, "message": message}}, status_code=status)


@post("/api/v1/devices", name="device_register", guards=[signed_in])
async def device_register(request: Request) -> Response:
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return _error(400, "bad_request", _("The body must be JSON."))
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        return _error(400, "bad_request", _("Give the device a name."))
    if len(name) > NAME_MAX:
        return _error(
            400, "bad_request", _("A device name has at most %(n)s characters.", n=NAME_MAX)
        )
    user = request.scope["user"]
    device_id, token = await register_device(user.id, name)
    await record("register_device", user, "device", device_id)
    return Response({"device_id": device_id, "token": token}, status_code=201)


@delete(
    "/api/v1/devices/{device_id:str}", name="device_revoke", guards=[signed_in], status_code=200
)
async def device_revoke(request: Request, device_id: FromPath[str]) -> Response:
    user = request.scope["user"]
    if not await revoke_device(device_id, user.id, by_admin=user.is_admin):
        return _error(404, "not_found", _("No such device."))
    await record("revoke_device", user, "device", device_id)
    return Response(None, status_code=204)


router = Router(path="/", route_handlers=[device_register, device_revoke])
