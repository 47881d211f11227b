"""Teams, users, their sessions and failed logins."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Team(Table, tablename="team"):
    """A VPC team or a shelter team; its country sets case codes, reference lists and time zone."""

    name = Varchar(length=100, unique=True)
    country = Varchar(length=2, default="MD")
    created_at = Timestamptz(default=TimestamptzNow())


class User(Table, tablename="app_user"):
    """A person who logs in. Role is one of coordinator, supervisor, shelter, admin."""

    username = Varchar(length=64, unique=True, index=True)
    password_hash = Varchar(length=255)
    role = Varchar(length=16)
    team = ForeignKey(references=Team, null=True)
    language = Varchar(length=5, default="")
    time_zone = Varchar(length=64, default="")
    # Regions a coordinator covers (names from the reference lists), as a JSON list.
    regions = JSON(default="[]")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Session(Table, tablename="user_session"):
    """A server-side session: the cookie holds a random token, the table only its hash."""

    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(references=User, index=True)
    csrf_token = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    ended_at = Timestamptz(null=True, default=None)
    user_agent = Varchar(length=200, default="")


class LoginFailure(Table, tablename="login_failure"):
    """One failed login, keyed by account name or by client address; old rows are pruned."""

    key = Varchar(length=128, index=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)
