"""Teams and users: creating them, checking credentials, preferences."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from server.accounts import throttle
from server.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from server.accounts.tables import Team, User
from server.core.i18n import LANGUAGES
from server.core.i18n import gettext as _
from server.regions.lists import time_zone
from server.settings import COUNTRIES, ROLES

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
TIME_ZONES = {country: time_zone(country) for country in COUNTRIES}


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user."""


class WrongPassword(AccountError):
    """The password given to confirm a change is not the user's: a failure to throttle."""


async def ensure_team(name: str, country: str) -> int:
    """The id of the team of that name, created with that country when it does not exist."""
    name = name.strip()
    if not name or len(name) > 100:
        raise AccountError(_("A team name needs 1 to 100 characters."))
    if country not in COUNTRIES:
        raise AccountError(_("The country must be MD or XK."))
    row = await Team.select(Team.id).where(Team.name == name).first()
    if row:
        return row["id"]
    await Team.insert(Team(name=name, country=country)).on_conflict(action="DO NOTHING")
    row = await Team.select(Team.id).where(Team.name == name).first()
    return row["id"]


async def name_team(team: str, language: str, name: str) -> dict[str, str]:
    """Give the team `team` (its name as created) a name in `language`, shown to people who
    read the pages in that language; an empty `name` removes it (the pages fall back to the
    team's own name). Returns the team's names after the change."""
    row = await Team.select(Team.id, Team.names).where(Team.name == team.strip()).first()
    if row is None:
        raise AccountError(_("There is no such team. Choose one from the list."))
    if language not in LANGUAGES:
        raise AccountError(_("Unknown language."))
    name = name.strip()
    if len(name) > 100:
        raise AccountError(_("A team name needs 1 to 100 characters."))
    names = row["names"]
    names = dict(json.loads(names or "{}") if isinstance(names, str) else names or {})
    if name:
        names[language] = name
    else:
        names.pop(language, None)
    await Team.update({Team.names: json.dumps(names, ensure_ascii=False)}).where(
        Team.id == row["id"]
    )
    return names


def normalise_username(username: str) -> str:
    return username.strip().lower()


async def create_user(
    username: str,
    password: str,
    role: str,
    team_id: int | None,
    *,
    regions: list[str] | None = None,
    language: str = "",
    password_hash: str | None = None,
) -> int:
    """Create an account; raise AccountError with a message for the user when it cannot be."""
    username = normalise_username(username)
    if not USERNAME_PATTERN.match(username):
        raise AccountError(
            _(
                "A username has 2 to 63 characters: lower-case letters, digits, dot, dash "
                "or underscore, starting with a letter or digit."
            )
        )
    if role not in ROLES:
        raise AccountError(_("The role must be one of: %(roles)s.", roles=", ".join(ROLES)))
    if password_hash is None:
        problem = password_problem(password)
        if problem:
            raise AccountError(problem)
        password_hash = hash_password(password)
    if await User.exists().where(User.username == username):
        raise AccountError(_("The username %(name)s is taken.", name=username))
    rows = await User.insert(
        User(
            username=username,
            password_hash=password_hash,
            role=role,
            team=team_id,
            regions=json.dumps(regions or []),
            language=language if language in LANGUAGES else "",
        )
    ).returning(User.id)
    return rows[0]["id"]


@dataclass(frozen=True)
class LoginOutcome:
    user_id: int | None
    # Seconds before this address may try this name again (server/accounts/throttle.py).
    retry_after: int = 0

    @property
    def throttled(self) -> bool:
        return self.retry_after > 0


async def authenticate(username: str, password: str, address: str) -> LoginOutcome:
    """Check credentials, counting failures; unknown names and wrong passwords look the same."""
    username = normalise_username(username)[:64]
    wait = await throttle.seconds_to_wait("login", username, address)
    if wait:
        return LoginOutcome(user_id=None, retry_after=wait)
    row = (
        await User.select(User.id, User.password_hash, User.active)
        .where(User.username == username)
        .first()
    )
    stored_hash = row["password_hash"] if row and row["active"] else None
    if not verify_password(stored_hash, password):
        await throttle.record_failure("login", username, address)
        return LoginOutcome(user_id=None)
    # The name's count is cleared once the login is complete (the second factor passed).
    await throttle.clear_pair("login", username, address)
    if needs_rehash(stored_hash):
        await User.update({User.password_hash: hash_password(password)}).where(User.id == row["id"])
    return LoginOutcome(user_id=row["id"])


async def set_language(user_id: int, language: str) -> None:
    if language not in LANGUAGES:
        raise AccountError(_("Unknown language."))
    await User.update({User.language: language}).where(User.id == user_id)


async def change_password(
    user_id: int, keep_session_id: int, current: str, new: str, again: str
) -> int:
    """Change the user's own password after checking the current one; every other session
    ends (whoever holds one may be why the password is changing). Returns how many ended.
    Raises AccountError with a message for the user; nothing changes then."""
    from server.accounts.sessions import end_other_sessions

    row = await User.select(User.password_hash).where(User.id == user_id).first()
    if row is None or not verify_password(row["password_hash"], current):
        raise WrongPassword(_("Your current password is not right."))
    if new != again:
        raise AccountError(_("The two new passwords are not the same."))
    problem = password_problem(new)
    if problem:
        raise AccountError(problem)
    if new == current:
        raise AccountError(_("The new password is the one you have now. Choose another."))
    await User.update({User.password_hash: hash_password(new)}).where(User.id == user_id)
    return await end_other_sessions(user_id, keep_session_id)


async def disable_user(user_id: int) -> None:
    """Disable an account at once: no login, every session ended, every device revoked (a
    phone still holding its token cannot push another entry). Nothing is deleted."""
    from server.accounts.sessions import end_all_sessions
    from server.devices.services import revoke_all_devices

    await User.update({User.active: False}).where(User.id == user_id)
    await end_all_sessions(user_id)
    await revoke_all_devices(user_id)


async def enable_user(user_id: int) -> None:
    """Let a disabled account log in again; its old devices stay revoked."""
    await User.update({User.active: True}).where(User.id == user_id)
