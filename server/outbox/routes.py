"""The outbox page: what this phone holds, what it sent and what became of it.

The server renders only the frame and the words; the lists come from the phone's IndexedDB
(`web/static/js/outbox-page.js`), so the page works offline and the server never learns what
is still waiting on a phone.
"""

from __future__ import annotations

from litestar import Request, Router, get
from litestar.response import Template

from server.core.guards import role_in
from server.core.templating import render
from server.entries.definitions import ENTRY_TYPES


@get("/outbox", name="outbox", guards=[role_in("coordinator", "shelter")])
async def outbox(request: Request) -> Template:
    labels = {key: str(kind.label) for key, kind in ENTRY_TYPES.items()}
    return render(request, "outbox/outbox.html", {"type_labels": labels})


router = Router(path="/", route_handlers=[outbox])
