"""The audit log: who viewed or changed which case or entry, and when. Never content."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import Team, User


class AuditEvent(Table, tablename="audit_event"):
    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = ForeignKey(references=User, null=True, index=True)
    actor_name = Varchar(length=64, default="")
    team = ForeignKey(references=Team, null=True, index=True)
    action = Varchar(length=32, index=True)
    object_type = Varchar(length=16, default="")
    object_id = Varchar(length=64, default="", index=True)
