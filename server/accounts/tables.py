"""Teams, users, their sessions and failed logins."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Team(Table, tablename="team"):
    """A VPC team or a shelter team; its country sets case codes, reference lists and time zone."""

    name = Varchar(length=100, unique=True)
    # The team's name in other languages ({"ro": "Echipa Nord"}), set by an admin with
    # `alongside team name`; a page in a language without one shows `name`.
    names = JSON(default="{}")
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
    # Second factor: set at login for the roles of ALONGSIDE_MFA_ROLES and for anyone who
    # enrolled a factor; until `second_factor_at` is set the session opens no page.
    needs_second_factor = Boolean(default=False)
    second_factor_at = Timestamptz(null=True, default=None)
    # The last time the password or a factor was given again (sensitive actions ask for it).
    reauthenticated_at = Timestamptz(null=True, default=None)
    # The WebAuthn challenge of a passkey ceremony under way (base64url), single use.
    webauthn_challenge = Varchar(length=128, default="")


class LoginFailure(Table, tablename="login_failure"):
    """One failed login, keyed by account name or by client address; old rows are pruned."""

    key = Varchar(length=128, index=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)


class SecondFactor(Table, tablename="second_factor"):
    """A passkey (WebAuthn credential) or an authenticator app (TOTP) of a user."""

    user = ForeignKey(references=User, index=True)
    kind = Varchar(length=8)  # "passkey" or "totp"
    # TOTP: the shared secret, encrypted with a key derived from the secret key (so a
    # database dump alone cannot mint codes); `last_step` refuses a code used before.
    totp_secret = Varchar(length=255, default="")
    last_step = BigInt(default=0)
    # Passkey: credential id (base64url, unique), COSE public key (base64url), counter.
    credential_id = Varchar(length=1024, default="", index=True)
    public_key = Text(default="")
    sign_count = BigInt(default=0)
    # An authenticator app counts once its first code was entered.
    confirmed = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)


class RecoveryCode(Table, tablename="recovery_code"):
    """A one-time recovery code: only its HMAC (keyed from the secret key) is kept."""

    user = ForeignKey(references=User, index=True)
    code_hash = Varchar(length=64, index=True)
    used_at = Timestamptz(null=True, default=None)
