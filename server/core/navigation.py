"""The navigation of each role: features add their pages here as they land.

Each role's list starts with the pages its people open most: the first `PRIMARY` are the
bottom bar of a phone (a 360 px screen holds four and "More"), the rest open from "More".
"""

from __future__ import annotations

from dataclasses import dataclass

from server.core.i18n import LazyString, lazy_gettext

# How many pages stand in the bar itself; "More" takes the fifth place.
PRIMARY = 4

NAVIGATION: dict[str, list[tuple[LazyString, str]]] = {
    "coordinator": [
        (lazy_gettext("Home"), "/"),
        (lazy_gettext("New entry"), "/capture"),
        (lazy_gettext("Cases"), "/cases"),
        (lazy_gettext("Upcoming"), "/upcoming"),
        (lazy_gettext("Outbox"), "/outbox"),
        (lazy_gettext("Returned to me"), "/returned"),
        (lazy_gettext("My reports"), "/reports"),
        (lazy_gettext("Service providers"), "/providers/directory"),
    ],
    "shelter": [
        (lazy_gettext("Home"), "/"),
        (lazy_gettext("New entry"), "/capture"),
        (lazy_gettext("Residents"), "/cases"),
        (lazy_gettext("Risk board"), "/risk/board"),
        (lazy_gettext("Risk instrument"), "/instruments"),
        (lazy_gettext("Upcoming"), "/upcoming"),
        (lazy_gettext("Outbox"), "/outbox"),
        (lazy_gettext("Returned to me"), "/returned"),
        (lazy_gettext("Service providers"), "/providers/directory"),
    ],
    "supervisor": [
        (lazy_gettext("Home"), "/"),
        (lazy_gettext("Approvals"), "/approvals"),
        (lazy_gettext("Cases"), "/cases"),
        (lazy_gettext("Upcoming"), "/upcoming"),
        (lazy_gettext("Risk board"), "/risk/board"),
        (lazy_gettext("Risk instrument"), "/instruments"),
        (lazy_gettext("Team reports"), "/reports"),
        (lazy_gettext("Indicators"), "/indicators"),
        (lazy_gettext("Service providers"), "/providers"),
        (lazy_gettext("Audit log"), "/audit"),
        (lazy_gettext("Due for erasure"), "/privacy/retention"),
        (lazy_gettext("Record of processing"), "/privacy/record"),
    ],
    "admin": [
        (lazy_gettext("Home"), "/"),
        (lazy_gettext("Audit log"), "/audit"),
        (lazy_gettext("Indicators"), "/indicators"),
        (lazy_gettext("Report schedule"), "/report-schedule"),
        (lazy_gettext("Risk instrument"), "/instruments"),
        (lazy_gettext("Service providers"), "/providers"),
        (lazy_gettext("Record of processing"), "/privacy/record"),
    ],
}


@dataclass(frozen=True)
class Navigation:
    primary: list[tuple[LazyString, str]]
    more: list[tuple[LazyString, str]]

    def holds(self, path: str) -> bool:
        """Whether the page at `path` is one of "More"'s, so that "More" shows it is open."""
        return any(href == path for _label, href in self.more)


def navigation_for(role: str | None) -> Navigation:
    pages = NAVIGATION.get(role or "", [])
    return Navigation(pages[:PRIMARY], pages[PRIMARY:])
