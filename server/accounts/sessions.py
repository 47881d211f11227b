"""Server-side sessions: revocable, with an idle and an absolute timeout."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from server.accounts.tables import Session, Team, User
from server.core.identity import CurrentUser

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# Writing last_seen on every request would make each page view a write; a minute is enough.
TOUCH_EVERY = timedelta(seconds=60)


def now() -> datetime:
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ActiveSession:
    id: int
    csrf_token: str
    user: CurrentUser


async def start_session(user_id: int, user_agent: str = "") -> tuple[str, str]:
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
    )


async def load_user(user_id: int) -> CurrentUser | None:
    row = (
        await User.select(
            User.id,
            User.username,
            User.role,
            User.team,
            User.team.name,
            User.team.country,
            User.language,
            User.time_zone,
            User.regions,
        )
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
        )
        .where(Session.token_hash == token_hash(token))
        .first()
    )
    if row is None or row["ended_at"] is not None:
        return None
    if moment - row["created_at"] > ABSOLUTE_TIMEOUT or moment - row["last_seen_at"] > IDLE_TIMEOUT:
        await Session.update({Session.ended_at: moment}).where(Session.id == row["id"])
        return None
    user = await load_user(row["user"])
    if user is None:
        return None
    if moment - row["last_seen_at"] > TOUCH_EVERY:
        await Session.update({Session.last_seen_at: moment}).where(Session.id == row["id"])
    return ActiveSession(id=row["id"], csrf_token=row["csrf_token"], user=user)


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
