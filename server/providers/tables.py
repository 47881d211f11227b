"""Service providers: organisations, never people assisted, so nothing here is sealed and the
directory may be kept on the phone for offline search."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, Boolean, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Provider(Table, tablename="service_provider"):
    id = UUID(primary_key=True)
    # The deployment country whose teams refer to it (MD, XK): supervisors of a team manage
    # the providers of their team's country.
    country = Varchar(length=2, index=True)
    organisation = Varchar(length=200)
    services = JSON(default="[]")  # codes of the referral's service types
    place = Varchar(length=100, default="", index=True)  # a rayon or municipality
    address = Varchar(length=300, default="")
    phone = Varchar(length=60, default="")
    hours = Varchar(length=200, default="")
    languages = JSON(default="[]")  # language codes: ro, ru, en, sq, sr, …
    without_documents = Boolean(default=False)  # takes people who have no documents
    notes = Text(default="")  # for coordinators: whom to ask for, what to bring
    active = Boolean(default=True, index=True)
    updated_at = Timestamptz(default=TimestamptzNow())
