"""Entries: the sealed envelope as it arrived, plus the clear metadata needed to index,
count and schedule. No names, narratives or free text are ever in a clear column."""

from __future__ import annotations

import json

from piccolo.columns import (
    JSON,
    UUID,
    Date,
    ForeignKey,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import Team, User
from server.cases.tables import Case
from server.devices.tables import Device


class Entry(Table, tablename="entry"):
    id = UUID(primary_key=True)
    type = Varchar(length=32, index=True)
    case = ForeignKey(references=Case, null=True, index=True)
    author = ForeignKey(references=User, index=True)
    team = ForeignKey(references=Team, index=True)
    device = ForeignKey(references=Device, null=True)
    region = Varchar(length=100, default="", index=True)
    occurred_at = Timestamptz(index=True)
    received_at = Timestamptz(default=TimestamptzNow())
    # Versions: `revises` is the entry this one corrects; `root` the first of the chain.
    revises = UUID(null=True, default=None, index=True)
    root = UUID(null=True, default=None, index=True)
    status = Varchar(length=16, default="submitted", index=True)
    risk_level = Varchar(length=16, default="")
    due_at = Timestamptz(null=True, default=None, index=True)
    due_on = Date(null=True, default=None, index=True)
    details = JSON(default="{}")  # the type's clear fields: categories and counts only
    # The envelope. `envelope_kid` is in the additional data and never changes; `key_kid`
    # is the key that wraps the AES key now (a rotation changes it and `wrapped_key`).
    envelope_kid = Varchar(length=64)
    key_kid = Varchar(length=64, index=True)
    wrapped_key = Text()
    iv = Varchar(length=32)
    ciphertext = Text()
    digest = Varchar(length=64)


def details_of(value: object) -> dict:
    """An entry's clear `details` as a dict: SQLite hands JSON back as text, PostgreSQL as a
    dict; anything unreadable is no details at all."""
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}
