"""Monthly activity reports: one per coordinator and month, and the supervisor's decisions."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import Team, User


class MonthlyReport(Table, tablename="monthly_report"):
    """The report's own state. The figures are compiled from approved entries when the page
    is shown; `figures` keeps the copy that was submitted, so an approved report does not
    change when more work of that month is approved later."""

    id = UUID(primary_key=True)
    author = ForeignKey(references=User, index=True)
    team = ForeignKey(references=Team, index=True)
    month = Varchar(length=7, index=True)  # YYYY-MM
    # One report per coordinator and month: "<author id>/<YYYY-MM>". The database decides
    # between two first saves at once.
    author_month = Varchar(length=40, unique=True)
    status = Varchar(length=16, default="draft", index=True)  # draft/submitted/approved/returned
    # The narrative is free text: sealed exactly like an entry (Envelope v1, the report's id
    # in the additional data), so a database dump shows none of it. Empty until first saved.
    narrative_kid = Varchar(length=64, default="")
    narrative_key_kid = Varchar(length=64, default="")
    narrative_wrapped_key = Text(default="")
    narrative_iv = Varchar(length=32, default="")
    narrative_ciphertext = Text(default="")
    # Counts, case codes and entry ids only (never free text): the figures as submitted.
    figures = JSON(default="{}")
    updated_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None)


class ReportDecision(Table, tablename="report_decision"):
    """A supervisor's decision on a submitted report; a returned report may be submitted
    again, so a report can have several, kept forever."""

    report = ForeignKey(references=MonthlyReport, index=True)
    decision = Varchar(length=16)  # approved / returned
    # The supervisor's comment, sealed like the narrative (server/sealing/texts.py, sealed
    # as "report-decision:<id>"). Empty when the decision has no comment.
    comment_sealed = Text(default="")
    comment_key_kid = Varchar(length=64, default="")
    decided_by = ForeignKey(references=User, index=True)
    decided_at = Timestamptz(default=TimestamptzNow(), index=True)
