"""The navigation of each role: features add their pages here as they land."""

from __future__ import annotations

from server.core.i18n import LazyString, lazy_gettext

NAVIGATION: dict[str, list[tuple[LazyString, str]]] = {
    "coordinator": [
        (lazy_gettext("Home"), "/"),
        (lazy_gettext("New entry"), "/capture"),
        (lazy_gettext("Cases"), "/cases"),
        (lazy_gettext("Upcoming"), "/upcoming"),
        (lazy_gettext("Outbox"), "/outbox"),
        (lazy_gettext("Returned to me"), "/returned"),
        (lazy_gettext("My reports"), "/reports"),
    ],
    "shelter": [
        (lazy_gettext("Home"), "/"),
        (lazy_gettext("New entry"), "/capture"),
        (lazy_gettext("Residents"), "/cases"),
        (lazy_gettext("Risk board"), "/risk/board"),
        (lazy_gettext("Upcoming"), "/upcoming"),
        (lazy_gettext("Outbox"), "/outbox"),
        (lazy_gettext("Returned to me"), "/returned"),
    ],
    "supervisor": [
        (lazy_gettext("Home"), "/"),
        (lazy_gettext("Approvals"), "/approvals"),
        (lazy_gettext("Upcoming"), "/upcoming"),
        (lazy_gettext("Cases"), "/cases"),
        (lazy_gettext("Risk board"), "/risk/board"),
        (lazy_gettext("Team reports"), "/reports"),
        (lazy_gettext("Indicators"), "/indicators"),
        (lazy_gettext("Audit log"), "/audit"),
        (lazy_gettext("Due for erasure"), "/privacy/retention"),
        (lazy_gettext("Record of processing"), "/privacy/record"),
    ],
    "admin": [
        (lazy_gettext("Home"), "/"),
        (lazy_gettext("Audit log"), "/audit"),
        (lazy_gettext("Indicators"), "/indicators"),
        (lazy_gettext("Report schedule"), "/report-schedule"),
        (lazy_gettext("Record of processing"), "/privacy/record"),
    ],
}


def navigation_for(role: str | None) -> list[tuple[LazyString, str]]:
    return NAVIGATION.get(role or "", [])
