"""The navigation of each role: features add their pages here as they land."""

from __future__ import annotations

from server.core.i18n import LazyString, lazy_gettext

NAVIGATION: dict[str, list[tuple[LazyString, str]]] = {
    "coordinator": [
        (lazy_gettext("Home"), "/"),
        (lazy_gettext("New entry"), "/capture"),
        (lazy_gettext("Cases"), "/cases"),
    ],
    "shelter": [
        (lazy_gettext("Home"), "/"),
        (lazy_gettext("New entry"), "/capture"),
        (lazy_gettext("Residents"), "/cases"),
    ],
    "supervisor": [
        (lazy_gettext("Home"), "/"),
        (lazy_gettext("Cases"), "/cases"),
        (lazy_gettext("Audit log"), "/audit"),
    ],
    "admin": [(lazy_gettext("Home"), "/"), (lazy_gettext("Audit log"), "/audit")],
}


def navigation_for(role: str | None) -> list[tuple[LazyString, str]]:
    return NAVIGATION.get(role or "", [])
