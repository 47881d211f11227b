"""Reading HTML form fields with limits, so bad input gets a message instead of a crash."""

from __future__ import annotations

from litestar import Request


async def form_fields(request: Request) -> dict[str, str]:
    """The form's text fields (last value wins); files and odd shapes are ignored."""
    form = await request.form()
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields[key] = value
    return fields


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to, never another site (open redirects are a phishing aid)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 32 for ch in target):
        return default
    return target
