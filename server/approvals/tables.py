"""Decisions on entries: one row per decision, kept forever."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import Team, User
from server.entries.tables import Entry


class Decision(Table, tablename="decision"):
    # Unique: a decision is final for that version. The database, not a check made before
    # the insert, decides between two supervisors deciding at once.
    entry = ForeignKey(references=Entry, unique=True, index=True)
    decision = Varchar(length=16)  # approved / returned
    # The supervisor's comment on a returned entry, stored in clear: it is guidance about the
    # work ("the hearing date is missing"), not case content. The form tells supervisors not
    # to write names or identifying details in it.
    comment = Text(default="")
    decided_by = ForeignKey(references=User, index=True)
    team = ForeignKey(references=Team, index=True)
    decided_at = Timestamptz(default=TimestamptzNow(), index=True)
