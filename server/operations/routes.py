"""Health check for load balancers and monitoring."""

from __future__ import annotations

import logging

from litestar import Response, Router, get
from piccolo.engine import engine_finder

log = logging.getLogger("alongside.health")


@get("/healthz", name="healthz", media_type="application/json")
async def healthz() -> Response:
    try:
        engine = engine_finder()
        await engine.run_ddl("SELECT 1")
    except Exception as exc:  # any failure of the database means "not ready"
        log.warning("health check failed: %s", type(exc).__name__)
        return Response({"status": "unavailable"}, status_code=503)
    return Response({"status": "ok"}, status_code=200)


router = Router(path="/", route_handlers=[healthz])
