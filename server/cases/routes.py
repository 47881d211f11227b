"""Case pages: list, case page with its timeline, assignment, closing."""

from __future__ import annotations

from litestar import Router

router = Router(path="/", route_handlers=[])
