"""Reading HTML form fields with limits, so bad input gets a message instead of a crash."""

from __future__ import annotations

from litestar import Request


async def form_fields(request: Request) -> dict[str, str]:
    """The form's text fields (last value wins); files and odd shapes are ignored."""
    form = await request.form()
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            # A NUL is never text anyone typed, and PostgreSQL refuses to store one.
            fields[key] = value.replace("\x00", "")
    return fields


def printable_text(value: str) -> bool:
    """No control characters (tab and newline aside) and no lone surrogates: text that can
    be stored in either database and shown as it is."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any((ord(ch) < 32 and ch not in "\t\n\r") or 127 <= ord(ch) < 160 for ch in value)


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to, never another site (open redirects are a phishing aid)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 32 for ch in target):
        return default
    return target
