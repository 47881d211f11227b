"""Server-side sessions: revocable, with an idle and an absolute timeout."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from server.accounts.tables import Session, Team, User
from server.core.i18n import team_names_of
from server.core.identity import CurrentUser
from server.settings import get_settings

IDLE_TIMEOUT = timedelta(minutes=30)  # the default of ALONGSIDE_SESSION_IDLE_MINUTES
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# Sensitive actions (factor changes, key rotation, exports) ask for the password again when
# it was last given longer ago than this.
REAUTH_WINDOW = timedelta(minutes=10)
# Writing last_seen on every request would make each page view a write; a minute is enough.
TOUCH_EVERY = timedelta(seconds=60)


def now() -> datetime:
    return datetime.now(UTC)


def idle_timeout() -> timedelta:
    return timedelta(minutes=get_settings().session_idle_minutes)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ActiveSession:
    id: int
    csrf_token: str
    user: CurrentUser
    # Password given, second factor not yet: the session opens only the second-factor pages.
    pending_second_factor: bool = False
    reauthenticated_at: datetime | None = None


async def start_session(
    user_id: int, user_agent: str = "", needs_second_factor: bool = False
) -> tuple[str, str]:
    """A new session for the user: returns (cookie token, CSRF token). Never reuses an id."""
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    moment = now()
    await Session.insert(
        Session(
            token_hash=token_hash(token),
            user=user_id,
            csrf_token=csrf_token,
            created_at=moment,
            last_seen_at=moment,
            user_agent=user_agent[:200],
            needs_second_factor=needs_second_factor,
            reauthenticated_at=None if needs_second_factor else moment,
        )
    )
    return token, csrf_token


def current_user_from_row(row: dict) -> CurrentUser:
    import json

    regions = row.get("regions") or "[]"
    if isinstance(regions, str):
        regions = json.loads(regions)
    return CurrentUser(
        id=row["id"],
        username=row["username"],
        role=row["role"],
        team_id=row.get("team"),
        team_name=row.get("team.name") or "",
        country=row.get("team.country") or "MD",
        language=row.get("language") or "",
        time_zone=row.get("time_zone") or "",
        regions=tuple(regions),
        team_names=team_names_of(row.get("team.names")),
    )


# What a user is to the rest of the app: who, which role and team, which language and zone.
USER_COLUMNS = (
    User.id,
    User.username,
    User.role,
    User.team,
    User.team.name,
    User.team.names,
    User.team.country,
    User.language,
    User.time_zone,
    User.regions,
)


async def load_user(user_id: int) -> CurrentUser | None:
    row = (
        await User.select(*USER_COLUMNS)
        .where((User.id == user_id) & (User.active.eq(True)))
        .first()
    )
    return current_user_from_row(row) if row else None


async def load_session(token: str, at: datetime | None = None) -> ActiveSession | None:
    """The live session behind a cookie token, or None when unknown, ended or timed out."""
    moment = at or now()
    row = (
        await Session.select(
            Session.id,
            Session.csrf_token,
            Session.user,
            Session.created_at,
            Session.last_seen_at,
            Session.ended_at,
            Session.needs_second_factor,
            Session.second_factor_at,
            Session.reauthenticated_at,
        )
        .where(Session.token_hash == token_hash(token))
        .first()
    )
    if row is None or row["ended_at"] is not None:
        return None
    if (
        moment - row["created_at"] > ABSOLUTE_TIMEOUT
        or moment - row["last_seen_at"] > idle_timeout()
    ):
        await Session.update({Session.ended_at: moment}).where(Session.id == row["id"])
        return None
    user = await load_user(row["user"])
    if user is None:
        return None
    if moment - row["last_seen_at"] > TOUCH_EVERY:
        await Session.update({Session.last_seen_at: moment}).where(Session.id == row["id"])
    return ActiveSession(
        id=row["id"],
        csrf_token=row["csrf_token"],
        user=user,
        pending_second_factor=bool(row["needs_second_factor"]) and row["second_factor_at"] is None,
        reauthenticated_at=row["reauthenticated_at"],
    )


async def end_session(session_id: int) -> None:
    await Session.update({Session.ended_at: now()}).where(
        (Session.id == session_id) & Session.ended_at.is_null()
    )


async def end_all_sessions(user_id: int) -> None:
    await Session.update({Session.ended_at: now()}).where(
        (Session.user == user_id) & Session.ended_at.is_null()
    )


async def team_country(team_id: int | None) -> str:
    if team_id is None:
        return "MD"
    row = await Team.select(Team.country).where(Team.id == team_id).first()
    return row["country"] if row else "MD"


# --- the user's own sessions -----------------------------------------------------------------


async def live_sessions(user_id: int, at: datetime | None = None) -> list[dict]:
    """The user's sessions that still work, newest first."""
    moment = at or now()
    rows = (
        await Session.select(
            Session.id,
            Session.created_at,
            Session.last_seen_at,
            Session.user_agent,
            Session.needs_second_factor,
            Session.second_factor_at,
        )
        .where(
            (Session.user == user_id)
            & Session.ended_at.is_null()
            & (Session.created_at > moment - ABSOLUTE_TIMEOUT)
            & (Session.last_seen_at > moment - idle_timeout())
        )
        .order_by(Session.last_seen_at, ascending=False)
    )
    return rows


async def end_own_session(user_id: int, session_id: int) -> bool:
    """End one of the user's sessions; False when it is not theirs (or already over)."""
    ended = (
        await Session.update({Session.ended_at: now()})
        .where((Session.id == session_id) & (Session.user == user_id) & Session.ended_at.is_null())
        .returning(Session.id)
    )
    return bool(ended)


async def end_other_sessions(user_id: int, keep_session_id: int) -> int:
    ended = (
        await Session.update({Session.ended_at: now()})
        .where(
            (Session.user == user_id) & (Session.id != keep_session_id) & Session.ended_at.is_null()
        )
        .returning(Session.id)
    )
    return len(ended)


async def mark_reauthenticated(session_id: int, at: datetime | None = None) -> None:
    await Session.update({Session.reauthenticated_at: at or now()}).where(Session.id == session_id)


def recently_authenticated(reauthenticated_at: datetime | None, at: datetime | None = None) -> bool:
    if reauthenticated_at is None:
        return False
    return (at or now()) - reauthenticated_at <= REAUTH_WINDOW
