"""The home page: what each role needs first when they open Alongside."""

from __future__ import annotations

from litestar import Request, Router, get
from litestar.response import Template

from server.core.guards import signed_in
from server.core.templating import render


@get("/", name="home", guards=[signed_in])
async def home(request: Request) -> Template:
    user = request.scope["user"]
    return render(request, f"home/{user.role}.html", {})


router = Router(path="/", route_handlers=[home])
