"""Versions of the risk instrument kept in the database, and the staff's comments on a draft.

The definition of a version is the instrument file's JSON (the import/export format), in
clear: it holds questions and scores, never anything about a person. Comments are what staff
write about the draft: sealed like an entry (Envelope v1, the comment's id in the additional
data), so a database dump shows none of them.
"""

from __future__ import annotations

from piccolo.columns import UUID, Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import User


class InstrumentVersion(Table, tablename="instrument_version"):
    """One version: `draft` while the working group revises it, then `published` for good.
    There is at most one draft; its `version` is the label it will be published under."""

    id = UUID(primary_key=True)
    version = Varchar(length=40, unique=True)
    status = Varchar(length=16, default="draft", index=True)  # draft / published
    based_on = Varchar(length=40, default="")
    origin = Varchar(length=16, default="app")  # shipped / app / upload
    definition = Text(default="{}")
    consultation_open = Boolean(default=False)
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    published_by = ForeignKey(references=User, null=True, default=None)
    published_at = Timestamptz(null=True, default=None)


class InstrumentComment(Table, tablename="instrument_comment"):
    """A staff member's comment on one item of a draft (or on the whole when `item_id` is
    empty), and the working group's outcome: taken, declined (with why) or discussed."""

    id = UUID(primary_key=True)
    draft = ForeignKey(references=InstrumentVersion, index=True)
    item_id = Varchar(length=64, default="")
    author = ForeignKey(references=User, index=True)
    language = Varchar(length=8, default="en")
    created_at = Timestamptz(default=TimestamptzNow())
    # {"text": …, "why": …} sealed; "why" is added when the working group declines it.
    kid = Varchar(length=64, default="")
    key_kid = Varchar(length=64, default="")
    wrapped_key = Text(default="")
    iv = Varchar(length=32, default="")
    ciphertext = Text(default="")
    outcome = Varchar(length=16, default="")  # "" (open) / taken / declined / discussed
    decided_by = ForeignKey(references=User, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
