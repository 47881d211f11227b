"""Security headers on every response, and no caching of anything but static files."""

from __future__ import annotations

import secrets

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from server.settings import get_settings


def policy(script_src: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script_src}",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def csp_nonce(scope: Scope) -> str:
    """This response's script nonce, made when a page first asks for it."""
    nonce = scope.get("csp_nonce")
    if not nonce:
        nonce = scope["csp_nonce"] = secrets.token_urlsafe(18)  # type: ignore[typeddict-unknown-key]
    return nonce


def nonce_policy(nonce: str) -> str:
    """A strict policy for pages: only scripts carrying this response's nonce run, and the
    modules they import ('strict-dynamic'); 'self' is the fallback of browsers without
    nonces. Markup that got into a page from data can never carry the nonce."""
    return policy(f"'nonce-{nonce}' 'strict-dynamic' 'self'")


# Responses that render no page (JSON, files, the service worker): scripts from this site.
CONTENT_SECURITY_POLICY = policy("'self'")

BASE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


async def add_security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in BASE_HEADERS.items():
        headers[name] = value
    if scope.get("csp_nonce"):
        headers["content-security-policy"] = nonce_policy(scope["csp_nonce"])
    if get_settings().production:
        headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"
    path = scope.get("path", "")
    if not path.startswith("/static/"):
        # Pages may show a person's data: never stored by the browser or a proxy.
        headers["cache-control"] = "no-store"
        if "vary" not in headers:
            headers["vary"] = "Cookie, HX-Request"
    elif b"v=" in scope.get("query_string", b""):
        # Fingerprinted URLs (`?v=` changes with the files) never go stale.
        headers["cache-control"] = "public, max-age=31536000, immutable"
    else:
        # Modules imported by plain path (`./sync.js`) are checked each time, so that a new
        # release never runs with last release's modules.
        headers["cache-control"] = "no-cache"
