"""POST /api/v1/sync and GET /api/v1/entries/status: the device-token endpoints."""

from __future__ import annotations

import uuid

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotAuthorizedException

from server.devices.services import DeviceIdentity, device_for_token, touch
from server.entries.tables import Entry
from server.sync.services import MAX_ENTRIES, BatchError, ingest_batch, parse_batch


async def authenticated_device(request: Request) -> DeviceIdentity:
    header = request.headers.get("authorization", "")
    scheme, _space, token = header.partition(" ")
    device = await device_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if device is None:
        raise NotAuthorizedException("A valid device token is needed.")
    return device


def _error(status: int, code: str, message: str) -> Response:
    return Response({"error": {"code": code, "message": message}}, status_code=status)


@post("/api/v1/sync", name="sync", status_code=200)
async def sync(request: Request) -> Response:
    device = await authenticated_device(request)
    try:
        items = parse_batch(await request.body())
    except BatchError as error:
        code = "too_large" if error.status == 413 else "bad_request"
        return _error(error.status, code, error.message)
    results = await ingest_batch(items, device.user_id, device.id)
    await touch(device.id)
    return Response({"results": results}, status_code=200)


@get("/api/v1/entries/status", name="entry_status")
async def entry_status(request: Request) -> Response:
    device = await authenticated_device(request)
    raw = request.query_params.get("ids", "")
    ids = [part.strip() for part in raw.split(",") if part.strip()][: MAX_ENTRIES * 5]
    answer: dict[str, str] = {}
    # The answer's keys are the ids exactly as asked (another spelling of a UUID included),
    # never a key that was not asked.
    wanted: dict[uuid.UUID, list[str]] = {}
    for entry_id in ids:
        answer[entry_id] = "unknown"
        try:
            wanted.setdefault(uuid.UUID(entry_id), []).append(entry_id)
        except ValueError:
            continue
    if wanted:
        # Only this device's own entries: a token reads nothing else.
        rows = await Entry.select(Entry.id, Entry.status).where(
            Entry.id.is_in(list(wanted)) & (Entry.device == device.id)
        )
        for row in rows:
            found = row["id"] if isinstance(row["id"], uuid.UUID) else uuid.UUID(str(row["id"]))
            for asked in wanted.get(found, []):
                answer[asked] = row["status"]
    return Response(answer, status_code=200)


router = Router(path="/", route_handlers=[sync, entry_status])
