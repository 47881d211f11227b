"""Cookie names and attributes: `__Host-` names and Secure under https (production)."""

from __future__ import annotations

from litestar.datastructures import Cookie

from server.settings import get_settings


def _prefixed(name: str) -> str:
    return f"__Host-{name}" if get_settings().production else name


def session_cookie_name() -> str:
    return _prefixed("alongside_session")


def csrf_cookie_name() -> str:
    return _prefixed("csrftoken")


LANGUAGE_COOKIE = "alongside_lang"


def cookie_header(name: str, value: str, *, http_only: bool, max_age: int | None = None) -> str:
    """A Set-Cookie value. SameSite=Strict: no other site can ride on a coordinator's session."""
    parts = [f"{name}={value}", "Path=/", "SameSite=Strict"]
    if http_only:
        parts.append("HttpOnly")
    if get_settings().production:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)


def cookie(name: str, value: str, *, http_only: bool, max_age: int | None = None) -> Cookie:
    """The same attributes as cookie_header, for Litestar responses."""
    return Cookie(
        key=name,
        value=value,
        path="/",
        samesite="strict",
        httponly=http_only,
        secure=get_settings().production,
        max_age=max_age,
    )


def expired_cookie(name: str) -> Cookie:
    return cookie(name, "", http_only=True, max_age=0)
