"""Turning an entry's fields into what a person reads: labels, choice names, local dates."""

from __future__ import annotations

from dataclasses import dataclass

from server.core.i18n import format_date, format_datetime
from server.core.i18n import gettext as _
from server.entries.definitions import EntryType, parse_date, parse_datetime


@dataclass(frozen=True)
class ShownField:
    key: str
    label: str
    value: str
    long: bool = False
    # Who the person is, left out of the page until someone asks to see it.
    withheld: bool = False


def display_value(kind: str, value: object, choices=None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if kind == "choice" and choices is not None:
        return choices.label(value)
    if kind == "choices" and choices is not None:
        return ", ".join(choices.label(code) for code in value)
    if kind == "boolean":
        return _("Yes") if value else _("No")
    if kind == "date":
        return format_date(parse_date(value))
    if kind == "datetime":
        return format_datetime(parse_datetime(value), "medium")
    if kind == "cases":
        return ", ".join(value)
    if kind == "safety_plan" and isinstance(value, list):
        # Each action with who does it and by when, one after the other.
        return "; ".join(
            " — ".join(
                part
                for part in (
                    str(action.get("action") or ""),
                    str(action.get("owner") or ""),
                    format_date(parse_date(action.get("due_on"))),
                )
                if part
            )
            for action in value
            if isinstance(action, dict)
        )
    if kind == "answers" and isinstance(value, dict):
        return ", ".join(f"{key}: {answer}" for key, answer in sorted(value.items()))
    return str(value)


def has_identity(entry_type: EntryType) -> bool:
    return any(item.identity for item in entry_type.fields)


def withhold_identity(entry_type: EntryType, fields: dict) -> dict:
    """The fields without who the person is (name, contacts). One rule for every page that
    shows sealed content: identity reaches a page only through an audited "Show identity"
    (`view_identity`), never as a side effect of opening an entry or correcting it."""
    return {
        key: value
        for key, value in fields.items()
        if not any(item.key == key and item.identity for item in entry_type.fields)
    }


def present_fields(
    entry_type: EntryType, fields: dict, *, show_identity: bool = False
) -> list[ShownField]:
    shown = [
        ShownField(key=item.key, label=str(item.label), value="", withheld=True)
        if item.identity and not show_identity
        else ShownField(
            key=item.key,
            label=str(item.label),
            value=display_value(item.kind, fields.get(item.key), item.choices),
            long=item.kind == "textarea",
        )
        for item in entry_type.fields
    ]
    if entry_type.key == "risk_assessment":
        # The level and the answers in words, from the instrument version the entry names,
        # so that whoever signs it off reads what staff saw.
        from server.risk.presentation import present_assessment

        shown = present_assessment(fields, shown)
    return shown
