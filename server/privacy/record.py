"""The record of processing for the data protection officer (Law 195/2024 of Moldova, Law
06/L-082 of Kosovo, GDPR art. 30): what is held, where, for how long, who can see it and
how it is protected. Generated from the deployment's real settings, keys and tables each
time, so that it cannot drift from what the software does."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from urllib.parse import urlsplit

from docx import Document
from docx.shared import Pt

from server.accounts.tables import Team
from server.cases.tables import Case
from server.core.i18n import gettext as _
from server.entries.definitions import ENTRY_TYPES
from server.entries.tables import Entry
from server.privacy.tables import CaseErasure, TeamRetention
from server.sealing.keys import ALGORITHM, KEY_BITS, key_ring
from server.settings import Settings


@dataclass(frozen=True)
class HeldType:
    label: str
    clear: list[str]  # field labels kept in clear columns (categories, dates, counts)
    sealed: list[str]  # field labels only in the sealed content


def _where(settings: Settings) -> str:
    if settings.uses_postgres:
        url = urlsplit(settings.database_url or "")
        # Host and database only: never the credentials.
        return _("PostgreSQL database %(database)s on %(host)s") % {
            "database": url.path.lstrip("/"),
            "host": url.hostname or "",
        }
    return _("SQLite file %(path)s") % {"path": str(settings.sqlite_path)}


async def processing_record(settings: Settings) -> dict:
    ring = key_ring(settings)
    overrides = {
        row["team.name"]: row["days"]
        for row in await TeamRetention.select(TeamRetention.team.name, TeamRetention.days)
    }
    teams = [
        {
            "name": row["name"],
            "country": row["country"],
            "days": overrides.get(row["name"], settings.retention_days),
            "own": row["name"] in overrides,
        }
        for row in await Team.select(Team.name, Team.country).order_by(Team.name)
    ]
    held = [
        HeldType(
            label=str(kind.label),
            clear=[str(item.label) for item in kind.fields if item.clear],
            sealed=[str(item.label) for item in kind.fields if not item.clear],
        )
        for kind in ENTRY_TYPES.values()
    ]
    return {
        "controller_teams": teams,
        "purposes": [
            _("Assisting people identified or presumed as victims of trafficking in persons"),
            _("Referring them to services, with their consent to share their identity"),
            _("Monthly activity reports and NRM indicators, anonymised, with their consent"),
        ],
        "held": held,
        "where": _where(settings),
        "keys_dir": str(settings.keys_dir),
        "retention_days": settings.retention_days,
        "retention_rule": retention_rule(settings.retention_days),
        "counts": {
            "open": await Case.count().where(Case.status == "open"),
            "closed": await Case.count().where(Case.status == "closed"),
            "erased": await CaseErasure.count(),
            "entries": await Entry.count(),
        },
        "access": [
            _("Coordinators: the cases assigned to them and the entries they wrote."),
            _("Shelter staff: their team's residents and their entries."),
            _(
                "Supervisors: their team's cases and entries; they approve entries, decide on "
                "retention and erasure, and produce subject access exports."
            ),
            _("Administrators: users, teams, devices, keys and backups; no case content."),
            _("Every opening of a case or an entry is recorded in the audit log, without content."),
        ],
        "protection": [
            _(
                "Entry content is sealed on the phone with AES-256-GCM; the key of each entry is "
                "wrapped with the sealing key (%(alg)s, RSA %(bits)s bits)."
            )
            % {"alg": ALGORITHM, "bits": KEY_BITS},
            _(
                "Sealing keys: %(count)s in %(dir)s, the current one %(kid)s; private keys are "
                "%(protected)s."
            )
            % {
                "count": len(ring.kids()),
                "dir": str(settings.keys_dir / "sealing"),
                "kid": ring.current_kid(),
                "protected": _("encrypted with a passphrase")
                if settings.sealing_passphrase
                else _("readable by the server's user only"),
            },
            _("A second factor is required for: %(roles)s.")
            % {"roles": ", ".join(settings.mfa_roles) or _("no role")},
            _("Sessions end after %(minutes)s minutes without a request.")
            % {"minutes": settings.session_idle_minutes},
            _(
                "Backups hold the database without the keys. Erasing a case destroys the keys of "
                "its entries; older backups stop opening once the sealing keys are rotated and "
                "the old ones retired."
            ),
        ],
    }


def retention_rule(days: int) -> str:
    return _(
        "Closed cases are kept %(days)s days after closing unless a team has its own period. "
        "A supervisor then confirms the erasure, or keeps the case longer with a reason."
    ) % {"days": days}


def build_record_document(record: dict) -> bytes:
    document = Document()
    document.core_properties.title = _("Record of processing")
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(_("Record of processing"), level=0)

    def bullets(heading: str, lines: list[str]) -> None:
        document.add_heading(heading, level=1)
        for line in lines:
            document.add_paragraph(line, style="List Bullet")

    def table(rows: list[tuple[str, ...]]) -> None:
        grid = document.add_table(rows=0, cols=len(rows[0]))
        grid.style = "Table Grid"
        for values in rows:
            for cell, value in zip(grid.add_row().cells, values, strict=True):
                cell.text = value

    bullets(_("Purposes"), record["purposes"])
    document.add_heading(_("What is held"), level=1)
    table(
        [(_("Entry"), _("In clear columns"), _("Sealed"))]
        + [(kind.label, ", ".join(kind.clear), ", ".join(kind.sealed)) for kind in record["held"]]
    )
    counts = record["counts"]
    document.add_paragraph(
        _("Open cases: %(open)s; closed: %(closed)s; erased: %(erased)s; entries: %(entries)s.")
        % counts
    )
    document.add_heading(_("Where"), level=1)
    document.add_paragraph(record["where"])
    document.add_paragraph(_("Keys: %(dir)s (not in the backups)") % {"dir": record["keys_dir"]})
    document.add_heading(_("For how long"), level=1)
    document.add_paragraph(retention_rule(record["retention_days"]))
    table(
        [(_("Team"), _("Days kept after closing"))]
        + [(team["name"], str(team["days"])) for team in record["controller_teams"]]
    )
    bullets(_("Who can see it"), record["access"])
    bullets(_("How it is protected"), record["protection"])
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
