"""Deadlines are worked out from entries when needed; what is kept here is what cannot be:
each team's monthly report schedule, each reminder already sent, and each user's choices."""

from __future__ import annotations

from piccolo.columns import JSON, Date, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import Team, User


class ReportDueDate(Table, tablename="report_due_date"):
    """When a team's monthly report for one month is due, where it is not the 1st of the
    following month (the default). Edited by an admin."""

    # "<team id>:<YYYY-MM>": one due date per team and month, kept by the database.
    key = Varchar(length=40, unique=True)
    team = ForeignKey(references=Team, index=True, on_delete=OnDelete.cascade)
    period = Varchar(length=7)  # YYYY-MM, the month the report covers
    due_on = Date()


class Reminder(Table, tablename="reminder"):
    """A reminder sent (or passed over). The unique `key` — deadline, lead and user — is what
    makes each reminder go out exactly once across restarts and processes: whoever inserts
    the row sends it; anyone else's insert fails."""

    key = Varchar(length=255, unique=True)
    user = ForeignKey(references=User, index=True, on_delete=OnDelete.cascade)
    kind = Varchar(length=32)
    deadline = Varchar(length=200, index=True)
    lead = Varchar(length=32)
    fire_at = Timestamptz()
    sent_at = Timestamptz(default=TimestamptzNow())


class ReminderSettings(Table, tablename="reminder_settings"):
    """A user's choices: which reminders (lead times) they want and their quiet hours."""

    user = ForeignKey(references=User, unique=True, on_delete=OnDelete.cascade)
    # Lead times switched off ("hearing_evening", …); every lead is on until switched off.
    leads_off = JSON(default="[]")
    # "HH:MM" in the user's time zone; both empty: no quiet hours (the default).
    quiet_from = Varchar(length=5, default="")
    quiet_until = Varchar(length=5, default="")
