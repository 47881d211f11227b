"""The audit log page for supervisors and admins."""

from __future__ import annotations

from litestar import Router

router = Router(path="/", route_handlers=[])
