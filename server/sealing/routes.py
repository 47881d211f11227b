"""The public sealing key, for phones to seal entries to."""

from __future__ import annotations

from litestar import Router, get

from server.sealing.keys import ALGORITHM, key_ring


@get("/api/v1/sealing-key", name="sealing_key")
async def sealing_key() -> dict:
    key = key_ring().current()
    return {"kid": key.kid, "alg": ALGORITHM, "spki": key.spki_b64url}


router = Router(path="/", route_handlers=[sealing_key])
