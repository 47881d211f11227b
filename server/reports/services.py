"""Monthly activity reports: who may read one, the sealed narrative, and draft → submitted →
approved or returned.

The figures are compiled from the entries that count (`server.reports.compiling`). While a
report is a draft (or returned) they are compiled afresh each time it is shown; submitting
keeps a copy (`MonthlyReport.figures`: counts, codes and entry ids only), which is what the
supervisor approves and what an approved report keeps showing.

The narrative is free text: it is sealed with the deployment's sealing key, the report's id
in the additional data, exactly as entries are, and it is never logged, audited or cached.
The systemic problems' descriptions and proposed solutions stay where they are — inside
their sealed entries — and are opened only to show the report to the people allowed to
read it.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from piccolo.engine import engine_finder

from server.accounts.sessions import USER_COLUMNS
from server.accounts.tables import User
from server.audit.services import record
from server.cases.tables import Case
from server.core.i18n import gettext as _
from server.core.i18n import localised, team_names_of
from server.core.identity import CurrentUser
from server.deadlines.services import report_schedule
from server.entries.access import may_read_reports_of
from server.entries.services import ENVELOPE_COLUMNS, UNIQUE_VIOLATIONS, open_entry
from server.entries.tables import Entry
from server.notifications.services import notify, notify_supervisors
from server.regions.lists import time_zone as country_time_zone
from server.reports.compiling import compile_month, next_month, parse_month
from server.reports.tables import MonthlyReport, ReportDecision
from server.sealing.envelope import Envelope, b64url_decode, b64url_encode, seal_json, unseal
from server.sealing.keys import key_ring
from server.sealing.texts import open_text, seal_text

NARRATIVE_MAX = 20_000
COMMENT_MAX = 2000
EDITABLE = ("draft", "returned")
STATUSES = ("draft", "submitted", "approved", "returned")


class ReportError(Exception):
    """A step that may not be taken: `status` is the HTTP status a route answers with (404
    not yours, 409 not in this state, 422 bad input)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _not_found() -> ReportError:
    return ReportError(
        404, _("Nothing is here. The page may have moved, or it is not yours to see.")
    )


@dataclass(frozen=True)
class Coordinator:
    """The author of a report, as a report needs them."""

    id: int
    username: str
    team_id: int | None
    team_name: str
    language: str
    time_zone: str
    # The team's name per language (Team.names), as (language, name) pairs.
    team_names: tuple[tuple[str, str], ...] = ()

    @property
    def team_label(self) -> str:
        """The team's name in the current language: the page's, or the Word file's."""
        return localised(self.team_name, dict(self.team_names))


@dataclass
class Report:
    coordinator: Coordinator
    month: date
    row: dict | None  # the MonthlyReport row, None while nothing was saved

    @property
    def status(self) -> str:
        return self.row["status"] if self.row else "draft"

    @property
    def key(self) -> str:
        return self.month.strftime("%Y-%m")

    @property
    def url(self) -> str:
        return f"/reports/monthly/{self.coordinator.username}/{self.key}"

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE


async def find_coordinator(viewer: CurrentUser, username: str) -> Coordinator | None:
    """The coordinator whose reports `viewer` may read, or None (a 404: nobody learns
    whether the account exists)."""
    if not isinstance(username, str) or not username or len(username) > 64:
        return None
    row = await User.select(*USER_COLUMNS).where(User.username == username.lower()).first()
    if row is None or not may_read_reports_of(viewer, row):
        return None
    return Coordinator(
        id=row["id"],
        username=row["username"],
        team_id=row["team"],
        team_name=row["team.name"] or "",
        language=row["language"] or "",
        time_zone=row["time_zone"] or country_time_zone(row["team.country"] or "MD"),
        team_names=team_names_of(row.get("team.names")),
    )


async def load_report(viewer: CurrentUser, username: str, month_text: str) -> Report:
    coordinator = await find_coordinator(viewer, username)
    month = parse_month(month_text)
    if coordinator is None or month is None:
        raise _not_found()
    row = (
        await MonthlyReport.select()
        .where(MonthlyReport.author_month == _author_month(coordinator.id, month))
        .first()
    )
    return Report(coordinator, month, row)


def _author_month(author_id: int, month: date) -> str:
    return f"{author_id}/{month.strftime('%Y-%m')}"


# --- Figures ---------------------------------------------------------------------------------


async def figures(report: Report) -> dict:
    """The submitted copy once the report has been submitted, else compiled now."""
    if report.row and report.status in ("submitted", "approved"):
        stored = report.row["figures"]
        stored = json.loads(stored) if isinstance(stored, str) else stored
        if stored:
            return stored
    return await compile_month(report.coordinator.id, report.month, report.coordinator.time_zone)


async def systemic_problems(problems: list[dict]) -> list[dict]:
    """Each problem of the figures with its description, proposed solution and linked case
    codes, opened from its sealed entry. Only for a viewer allowed to read the report; the
    text goes to the page or the Word file and nowhere else."""
    if not problems:
        return []
    ids = [uuid.UUID(problem["id"]) for problem in problems]
    rows = await Entry.select(*ENVELOPE_COLUMNS).where(Entry.id.is_in(ids))
    opened = {str(row["id"]): open_entry(row) for row in rows}
    references = {
        reference
        for plaintext in opened.values()
        for reference in (plaintext.get("fields", {}).get("linked_cases") or [])
    }
    codes = await _case_codes(references)
    result = []
    for problem in problems:
        fields = opened.get(problem["id"], {}).get("fields", {})
        result.append(
            {
                **problem,
                "description": fields.get("description") or "",
                "proposed_solution": fields.get("proposed_solution") or "",
                "linked_cases": sorted(
                    {codes[ref] for ref in fields.get("linked_cases") or [] if ref in codes}
                ),
            }
        )
    return result


async def _case_codes(references: set[str]) -> dict[str, str]:
    """Case references (codes or ids) → codes: a report names cases by code only."""
    ids = []
    codes = {}
    for reference in references:
        try:
            ids.append(uuid.UUID(reference))
        except ValueError:
            codes[reference] = reference
    if ids:
        for row in await Case.select(Case.id, Case.code).where(Case.id.is_in(ids)):
            codes[str(row["id"])] = row["code"]
    return codes


# --- The narrative ---------------------------------------------------------------------------


def narrative(report: Report) -> str:
    row = report.row
    if not row or not row["narrative_ciphertext"]:
        return ""
    envelope = Envelope(
        id=str(row["id"]),
        kid=row["narrative_kid"],
        wrapped_key=b64url_decode(row["narrative_wrapped_key"]),
        iv=b64url_decode(row["narrative_iv"]),
        ciphertext=b64url_decode(row["narrative_ciphertext"]),
    )
    plaintext = json.loads(unseal(envelope, key_ring(), wrapping_kid=row["narrative_key_kid"]))
    return plaintext.get("narrative", "")


def _sealed_columns(report_id: uuid.UUID, text: str) -> dict:
    envelope = seal_json({"narrative": text}, key_ring().current(), str(report_id))
    return {
        MonthlyReport.narrative_kid: envelope.kid,
        MonthlyReport.narrative_key_kid: envelope.kid,
        MonthlyReport.narrative_wrapped_key: b64url_encode(envelope.wrapped_key),
        MonthlyReport.narrative_iv: b64url_encode(envelope.iv),
        MonthlyReport.narrative_ciphertext: b64url_encode(envelope.ciphertext),
    }


async def _ensure_row(report: Report) -> dict:
    """The report's row, made on the first save; the unique key settles two first saves."""
    if report.row:
        return report.row
    key = _author_month(report.coordinator.id, report.month)
    # Made meanwhile by another request (a unique violation): use that one.
    with contextlib.suppress(*UNIQUE_VIOLATIONS):
        await MonthlyReport.insert(
            MonthlyReport(
                id=uuid.uuid4(),
                author=report.coordinator.id,
                team=report.coordinator.team_id,
                month=report.key,
                author_month=key,
                status="draft",
                updated_at=datetime.now(UTC),
            )
        )
    report.row = await MonthlyReport.select().where(MonthlyReport.author_month == key).first()
    return report.row


def _check_author(viewer: CurrentUser, report: Report) -> None:
    if viewer.id != report.coordinator.id:
        # A supervisor reads the report but never writes the coordinator's words.
        raise ReportError(403, _("Only the coordinator who writes this report can change it."))


def _check_editable(report: Report) -> None:
    if not report.editable:
        raise ReportError(
            409, _("This report has been submitted: it cannot be changed unless it is returned.")
        )


async def save_narrative(viewer: CurrentUser, report: Report, text: str) -> None:
    """Seal and store the narrative of a draft or returned report (its author only)."""
    _check_author(viewer, report)
    _check_editable(report)
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > NARRATIVE_MAX:
        raise ReportError(
            422, _("The narrative is too long: at most %(count)s characters.", count=NARRATIVE_MAX)
        )
    row = await _ensure_row(report)
    updated = await (
        MonthlyReport.update(
            {**_sealed_columns(row["id"], text), MonthlyReport.updated_at: datetime.now(UTC)}
        )
        .where((MonthlyReport.id == row["id"]) & MonthlyReport.status.is_in(list(EDITABLE)))
        .returning(MonthlyReport.id)
    )
    if not updated:
        raise ReportError(
            409, _("This report has been submitted: it cannot be changed unless it is returned.")
        )
    report.row = await MonthlyReport.select().where(MonthlyReport.id == row["id"]).first()


async def submit(viewer: CurrentUser, report: Report, today: date | None = None) -> None:
    """Submit a draft or returned report: its figures are compiled now and kept."""
    _check_author(viewer, report)
    _check_editable(report)
    today = today or datetime.now(UTC).date()
    if report.month > today:
        raise ReportError(422, _("This month has not begun: its report cannot be submitted yet."))
    if not narrative(report).strip():
        raise ReportError(422, _("Write the narrative before submitting the report."))
    row = await _ensure_row(report)
    compiled = await compile_month(
        report.coordinator.id, report.month, report.coordinator.time_zone
    )
    updated = await (
        MonthlyReport.update(
            {
                MonthlyReport.status: "submitted",
                MonthlyReport.figures: json.dumps(compiled),
                MonthlyReport.submitted_at: datetime.now(UTC),
                MonthlyReport.updated_at: datetime.now(UTC),
            }
        )
        .where((MonthlyReport.id == row["id"]) & MonthlyReport.status.is_in(list(EDITABLE)))
        .returning(MonthlyReport.id)
    )
    if not updated:
        raise ReportError(409, _("This report has been submitted already."))
    await record("submit_report", viewer, "report", str(row["id"]))
    await notify_supervisors(report.coordinator.team_id, "report_submitted", report.url)
    report.row = await MonthlyReport.select().where(MonthlyReport.id == row["id"]).first()


async def decide(viewer: CurrentUser, report: Report, decision: str, comment: str = "") -> None:
    """Approve or return a submitted report: a supervisor of the coordinator's team only
    (the route has checked that the viewer may read the report at all)."""
    if decision not in ("approved", "returned"):
        raise ReportError(400, _("Approve or return: there is no other decision."))
    if viewer.role != "supervisor" or viewer.team_id != report.coordinator.team_id:
        raise ReportError(403, _("Only the coordinator's supervisor decides on this report."))
    comment = (comment or "").strip()
    if decision == "returned" and not comment:
        raise ReportError(422, _("Say what needs changing: a returned report needs a comment."))
    if len(comment) > COMMENT_MAX:
        raise ReportError(
            422, _("The comment is too long: at most %(count)s characters.", count=COMMENT_MAX)
        )
    if report.status != "submitted" or report.row is None:
        raise ReportError(409, _("Only a submitted report can be approved or returned."))
    report_id = report.row["id"]
    async with engine_finder().transaction():
        # Only one decision wins: the status moves from submitted once.
        updated = await (
            MonthlyReport.update(
                {MonthlyReport.status: decision, MonthlyReport.updated_at: datetime.now(UTC)}
            )
            .where((MonthlyReport.id == report_id) & (MonthlyReport.status == "submitted"))
            .returning(MonthlyReport.id)
        )
        if not updated:
            raise ReportError(409, _("Only a submitted report can be approved or returned."))
        inserted = await ReportDecision.insert(
            ReportDecision(
                report=report_id,
                decision=decision,
                decided_by=viewer.id,
                decided_at=datetime.now(UTC),
            )
        ).returning(ReportDecision.id)
        if comment:
            # Sealed as this decision, in the same transaction: never written in clear.
            decision_id = inserted[0]["id"]
            sealed = seal_text(comment, _comment_sealed_as(decision_id))
            await ReportDecision.update(
                {
                    ReportDecision.comment_sealed: sealed.envelope,
                    ReportDecision.comment_key_kid: sealed.key_kid,
                }
            ).where(ReportDecision.id == decision_id)
    await record(
        "approve_report" if decision == "approved" else "return_report",
        viewer,
        "report",
        str(report_id),
    )
    await notify(report.coordinator.id, f"report_{decision}", report.url)
    report.row = await MonthlyReport.select().where(MonthlyReport.id == report_id).first()


def _comment_sealed_as(decision_id: int) -> str:
    return f"report-decision:{decision_id}"


async def decisions(report: Report) -> list[dict]:
    """The decisions on the report with their comments unsealed: for viewers the route has
    checked may read the report."""
    if not report.row:
        return []
    rows = await (
        ReportDecision.select(
            ReportDecision.id,
            ReportDecision.decision,
            ReportDecision.comment_sealed,
            ReportDecision.comment_key_kid,
            ReportDecision.decided_at,
            ReportDecision.decided_by.username,
        )
        .where(ReportDecision.report == report.row["id"])
        .order_by(ReportDecision.decided_at)
    )
    for row in rows:
        row["comment"] = open_text(
            row.pop("comment_sealed"),
            row.pop("comment_key_kid"),
            _comment_sealed_as(row.pop("id")),
        )
    return rows


# --- Lists -----------------------------------------------------------------------------------


def recent_months(today: date, count: int) -> list[date]:
    """This month and the `count - 1` before it, newest first."""
    months = []
    first = today.replace(day=1)
    for _step in range(count):
        months.append(first)
        first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    return months


async def report_list(
    viewer: CurrentUser, today: date | None = None, count: int = 12
) -> list[dict]:
    """My reports (a coordinator) or the team's (a supervisor): one row per coordinator and
    recent month, with the report's status ("draft" when nothing was saved)."""
    today = today or datetime.now(UTC).date()
    months = recent_months(today, count)
    if viewer.role == "coordinator":
        people = [{"id": viewer.id, "username": viewer.username}]
    elif viewer.role == "supervisor" and viewer.team_id is not None:
        people = await (
            User.select(User.id, User.username)
            .where((User.team == viewer.team_id) & (User.role == "coordinator"))
            .order_by(User.username)
        )
    else:
        return []
    # Due dates: the team's report schedule (server/deadlines), else the 1st of the next month.
    periods = [month.strftime("%Y-%m") for month in months]
    due = await report_schedule(viewer.team_id, periods) if viewer.team_id is not None else {}
    keys = [_author_month(person["id"], month) for person in people for month in months]
    rows = await MonthlyReport.select(
        MonthlyReport.author_month, MonthlyReport.status, MonthlyReport.submitted_at
    ).where(MonthlyReport.author_month.is_in(keys or [""]))
    by_key = {row["author_month"]: row for row in rows}
    result = []
    for person in people:
        for month in months:
            row = by_key.get(_author_month(person["id"], month), {})
            result.append(
                {
                    "username": person["username"],
                    "month": month.strftime("%Y-%m"),
                    "first": month,
                    "status": row.get("status", "draft"),
                    "saved": bool(row),
                    "submitted_at": row.get("submitted_at"),
                    "due_on": due.get(month.strftime("%Y-%m")) or next_month(month),
                }
            )
    return result
