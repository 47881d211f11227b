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
    # The supervisor's comment, sealed like an entry (server/sealing/texts.py, sealed as
    # "decision:<id>"): free text written about a person's case may name them, whatever the
    # form asks. Empty when the decision has no comment.
    comment_sealed = Text(default="")
    comment_key_kid = Varchar(length=64, default="")
    decided_by = ForeignKey(references=User, index=True)
    team = ForeignKey(references=Team, index=True)
    decided_at = Timestamptz(default=TimestamptzNow(), index=True)
