"""The navigation of each role: features add their pages here as they land."""

from __future__ import annotations

from server.core.i18n import LazyString, lazy_gettext

NAVIGATION: dict[str, list[tuple[LazyString, str]]] = {
    "coordinator": [(lazy_gettext("Home"), "/"), (lazy_gettext("New entry"), "/capture")],
    "shelter": [(lazy_gettext("Home"), "/"), (lazy_gettext("New entry"), "/capture")],
    "supervisor": [(lazy_gettext("Home"), "/")],
    "admin": [(lazy_gettext("Home"), "/")],
}


def navigation_for(role: str | None) -> list[tuple[LazyString, str]]:
    return NAVIGATION.get(role or "", [])
