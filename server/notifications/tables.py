"""In-app notifications: what the inbox shows and what Web Push will deliver."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import User


class Notification(Table, tablename="notification"):
    user = ForeignKey(references=User, index=True)
    kind = Varchar(length=32, index=True)
    url = Varchar(length=255)
    # Counts and ids only: never a name, free text or case content.
    params = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    read_at = Timestamptz(null=True, default=None, index=True)
