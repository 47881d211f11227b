"""Subject access: everything held about one person assisted, readable, for the person.

The export holds the case's clear metadata and consents, every entry of the case — every
version, every field of its sealed content, opened here — the decisions on each version,
the deadlines the entries set, and the retention decisions. It is built in memory on the
supervisor's request and sent; it is never kept.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from io import BytesIO

from docx import Document
from docx.shared import Pt

from server.approvals.services import with_comment
from server.approvals.tables import Decision
from server.cases.tables import Case
from server.core.i18n import gettext as _
from server.entries.definitions import ENTRY_TYPES
from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry, details_of
from server.privacy.services import extensions_of

CASE_FIELDS = (
    "code",
    "status",
    "region",
    "opened_at",
    "closed_at",
    "close_reason",
    "sex",
    "age_band",
    "citizenship",
    "exploitation",
    "identification",
    "nrm_referral_on",
)
CONSENT_FIELDS = ("consent_assistance", "consent_sharing", "consent_statistics")


def _plain(value: object) -> object:
    """JSON-ready: dates as ISO text, JSON text columns as their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def subject_access(case_id) -> dict:
    """The whole record of one case (see the module's docstring)."""
    case = (
        await Case.select(*(getattr(Case, name) for name in CASE_FIELDS + CONSENT_FIELDS))
        .where(Case.id == case_id)
        .first()
    )
    exploitation = case["exploitation"]
    if isinstance(exploitation, str):
        case["exploitation"] = json.loads(exploitation or "[]")
    rows = (
        await Entry.select(
            *ENVELOPE_COLUMNS,
            Entry.type,
            Entry.status,
            Entry.occurred_at,
            Entry.received_at,
            Entry.revises,
            Entry.root,
            Entry.author.username,
            Entry.due_at,
            Entry.due_on,
            Entry.risk_level,
            Entry.details,
        )
        .where(Entry.case == case_id)
        .order_by(Entry.received_at)
    )
    decisions: dict[str, list[dict]] = {}
    if rows:
        for decision in await Decision.select(
            Decision.id,
            Decision.entry,
            Decision.decision,
            Decision.comment_sealed,
            Decision.comment_key_kid,
            Decision.decided_by.username,
            Decision.decided_at,
        ).where(Decision.entry.is_in([row["id"] for row in rows])):
            decision = with_comment(decision)
            decisions.setdefault(str(decision["entry"]), []).append(
                {
                    "decision": decision["decision"],
                    "comment": decision["comment"],
                    "decided_by": decision["decided_by.username"],
                    "decided_at": _plain(decision["decided_at"]),
                }
            )
    entries = []
    deadlines = []
    for row in rows:
        plaintext = open_entry(row)
        entry_id = str(row["id"])
        entries.append(
            {
                "id": entry_id,
                "type": row["type"],
                "status": row["status"],
                "author": row["author.username"],
                "occurred_at": _plain(row["occurred_at"]),
                "received_at": _plain(row["received_at"]),
                "revises": str(row["revises"]) if row["revises"] else None,
                "version_of": str(row["root"]) if row["root"] else entry_id,
                "risk_level": row["risk_level"],
                "clear_details": details_of(row["details"]),
                "fields": plaintext.get("fields", {}),
                "decisions": decisions.get(entry_id, []),
            }
        )
        if row["due_at"] or row["due_on"]:
            deadlines.append(
                {
                    "entry": entry_id,
                    "type": row["type"],
                    "due": _plain(row["due_at"] or row["due_on"]),
                }
            )
    return {
        "case": {name: _plain(case[name]) for name in CASE_FIELDS},
        "consents": {name: case[name] for name in CONSENT_FIELDS},
        "entries": entries,
        "deadlines": deadlines,
        "retention_decisions": [
            {name: _plain(value) for name, value in extension.items()}
            for extension in await extensions_of(case_id)
        ],
    }


def _text(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=1)
    return str(value)


def build_document(record: dict, produced_by: str, produced_at: str) -> bytes:
    """The same record as a Word file: one table per part, one per entry version, every
    field under its own key so that nothing is summarised away."""
    document = Document()
    document.core_properties.title = _("Everything held about case %(code)s") % {
        "code": record["case"]["code"]
    }
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(document.core_properties.title, level=0)
    document.add_paragraph(
        _("Produced on %(date)s by %(user)s at the person's request.")
        % {"date": produced_at, "user": produced_by}
    )

    def table(pairs) -> None:
        grid = document.add_table(rows=0, cols=2)
        grid.style = "Table Grid"
        for label, value in pairs:
            cells = grid.add_row().cells
            cells[0].text = str(label)
            cells[1].text = _text(value)

    document.add_heading(_("The case"), level=1)
    table(record["case"].items())
    document.add_heading(_("Consent"), level=1)
    table(record["consents"].items())
    document.add_heading(_("Entries, every version"), level=1)
    for entry in record["entries"]:
        entry_type = ENTRY_TYPES.get(entry["type"])
        label = str(entry_type.label) if entry_type else entry["type"]
        document.add_heading(f"{label} · {entry['occurred_at']}", level=2)
        table(
            [
                (key, entry[key])
                for key in ("id", "status", "author", "received_at", "revises", "version_of")
            ]
            + [(f"fields.{key}", value) for key, value in entry["fields"].items()]
            + [(_("Decision"), decision) for decision in entry["decisions"]]
        )
    document.add_heading(_("Deadlines"), level=1)
    table((deadline["type"], deadline["due"]) for deadline in record["deadlines"])
    document.add_heading(_("Retention decisions"), level=1)
    table((decision["decided_at"], decision) for decision in record["retention_decisions"])
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
