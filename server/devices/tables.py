"""Devices: a phone that may push sealed entries with a bearer token (write-only)."""

from __future__ import annotations

from piccolo.columns import UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import User


class Device(Table, tablename="device"):
    id = UUID(primary_key=True)
    user = ForeignKey(references=User, index=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
