"""Cases: one person assisted. Only pseudonymous, categorical metadata sits in clear here;
identity and contact details live only in the sealed intake entry."""

from __future__ import annotations

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


class Case(Table, tablename="assisted_case"):
    id = UUID(primary_key=True)
    code = Varchar(length=32, unique=True, index=True)
    team = ForeignKey(references=Team, index=True)
    region = Varchar(length=100, default="", index=True)
    assigned_to = ForeignKey(references=User, null=True, index=True)
    opened_by = ForeignKey(references=User, null=True)
    status = Varchar(length=16, default="open", index=True)
    opened_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)
    close_reason = Varchar(length=32, default="")
    sex = Varchar(length=16, default="")
    age_band = Varchar(length=16, default="")
    citizenship = Varchar(length=16, default="")
    exploitation = JSON(default="[]")
    identification = Varchar(length=16, default="")
    nrm_referral_on = Date(null=True, default=None)
    consent_assistance = Varchar(length=16, default="")
    consent_sharing = Varchar(length=16, default="")
    consent_statistics = Varchar(length=16, default="")
    intake_entry = UUID(null=True, default=None)


class CaseLabel(Table, tablename="case_label"):
    """A person's own short label for a case ("red scarf, Bălți"): a reminder of who is who
    among twenty codes. It is free text that may well identify someone, so it is sealed
    exactly like an entry (Envelope v1, the row's id in the additional data) and only ever
    shown on pages rendered online, never in what the phone keeps."""

    id = UUID(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    owner = ForeignKey(references=User, index=True)
    # One label per person and case: "<case id>/<user id>"; the database settles two saves.
    case_owner = Varchar(length=64, unique=True)
    kid = Varchar(length=64)
    key_kid = Varchar(length=64, index=True)
    wrapped_key = Text()
    iv = Varchar(length=32)
    ciphertext = Text()
    updated_at = Timestamptz(default=TimestamptzNow())
