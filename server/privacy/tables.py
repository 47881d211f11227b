"""What data protection keeps about its own decisions: never case content.

An erased case keeps its row in `assisted_case` (code, categories, dates: what past reports
and indicators count); `CaseErasure` says when and by whose decision its content was
destroyed. Retention decisions and the daily review are kept so that a regulator can follow
why a case was kept past its period.
"""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import Team, User
from server.cases.tables import Case


class CaseErasure(Table, tablename="case_erasure"):
    """One row per erased case: the decision, not the content."""

    case = ForeignKey(references=Case, unique=True, index=True)
    erased_at = Timestamptz(default=TimestamptzNow(), index=True)
    decided_by = ForeignKey(references=User, null=True)
    decided_by_name = Varchar(length=64, default="")
    # `retention_ended` (the period after closing ran out) or `person_request`.
    basis = Varchar(length=32)
    entries = Integer(default=0)  # how many entries' keys were destroyed


class RetentionExtension(Table, tablename="retention_extension"):
    """A supervisor's decision to keep a closed case past its retention period."""

    case = ForeignKey(references=Case, index=True)
    until = Date()
    # `legal_proceedings` (still open) or `person_asked` (the person asked to keep it).
    reason = Varchar(length=32)
    decided_by = ForeignKey(references=User, null=True)
    decided_by_name = Varchar(length=64, default="")
    decided_at = Timestamptz(default=TimestamptzNow())


class TeamRetention(Table, tablename="team_retention"):
    """A team's own retention period, overriding ALONGSIDE_RETENTION_DAYS."""

    team = ForeignKey(references=Team, unique=True, on_delete=OnDelete.cascade)
    days = Integer()


class RetentionReview(Table, tablename="retention_review"):
    """The daily review of cases due for erasure. The unique day is what makes it run once a
    day across processes and restarts: whoever inserts the row runs it."""

    day = Varchar(length=10, unique=True)  # YYYY-MM-DD (UTC)
    ran_at = Timestamptz(default=TimestamptzNow())
    due = Integer(default=0)
