"""Registering and revoking devices."""

from __future__ import annotations

from litestar import Request, Response, Router, delete, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.audit.services import record
from server.core.forms import printable_text
from server.core.guards import signed_in
from server.core.i18n import gettext as _
from server.core.json_input import JSONInputError, read_json
from server.core.templating import render
from server.devices.services import NAME_MAX, devices_of, register_device, revoke_device


def _error(status: int, code: str, message: str) -> Response:
    return Response({"error": {"code": code, "message": message}}, status_code=status)


@post("/api/v1/devices", name="device_register", guards=[signed_in])
async def device_register(request: Request) -> Response:
    try:
        data = read_json(await request.body())
    except JSONInputError:
        return _error(400, "bad_request", _("The body must be JSON."))
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        return _error(400, "bad_request", _("Give the device a name."))
    if not printable_text(name):
        # NUL and lone surrogates cannot be stored (PostgreSQL refuses them), and control
        # characters have no place in a name.
        return _error(400, "bad_request", _("A device name cannot hold control characters."))
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


@get("/devices", name="devices_page", guards=[signed_in])
async def devices_page(request: Request) -> Template:
    user = request.scope["user"]
    return render(request, "devices/list.html", {"devices": await devices_of(user.id)})


@post("/devices/{device_id:str}/revoke", name="device_revoke_form", guards=[signed_in])
async def device_revoke_form(request: Request, device_id: FromPath[str]) -> Template | Redirect:
    # The page's button: a lost phone stops syncing at once (its outbox stays on it).
    user = request.scope["user"]
    if not await revoke_device(device_id, user.id, by_admin=False):
        raise NotFoundException(_("No such device."))
    await record("revoke_device", user, "device", device_id)
    if request.headers.get("hx-request"):
        return render(request, "devices/_list.html", {"devices": await devices_of(user.id)})
    return Redirect(path="/devices", status_code=303)


router = Router(
    path="/",
    route_handlers=[device_register, device_revoke, devices_page, device_revoke_form],
)
