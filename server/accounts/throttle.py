"""Throttling password and code guesses with growing delays, never a lock-out by strangers.

A hard lock per account name let anyone lock anyone out: five wrong passwords for a name,
from any address, and the owner could not log in for 15 minutes. Here failures are counted
per (name, address), per address and per name, and each count only makes the next try
*wait* (429 with Retry-After), longer after each failure:

* the same name from the same address: 3 failures free, then 5 s, 10 s, 20 s … at most
  15 minutes;
* one address, any names (spraying): 10 free, then growing the same way;
* one name, any addresses (a guesser with many addresses): 10 free, then growing — but
  only for an address that has used up its own 3 free failures on that name, so the owner
  typing the right password from an address with fewer failures is never held back by
  strangers.

Failures count for 24 hours. A success clears that (name, address) pair; a completed login
(the second factor passed, where one is asked) clears the name's count too. Each step has
its own counts (`scope`): wrong passwords at the login do not slow the second-factor step
or the password change of a signed-in owner. Unknown names are counted exactly like real
ones, so the answers never tell which names exist. Counts live in the database so that
several server processes share them.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from server.accounts.tables import LoginFailure

WINDOW = timedelta(hours=24)
FIRST_WAIT = timedelta(seconds=5)
LONGEST_WAIT = timedelta(minutes=15)
FREE_PER_PAIR = 3
FREE_PER_ADDRESS = 10
FREE_PER_NAME = 10
# The scopes: the password at login, the second factor, and a signed-in owner's password
# (re-authentication and password change).
SCOPES = ("login", "second_factor", "password")


def _name(name: str) -> str:
    return name.strip().lower()[:50]


def _keys(scope: str, name: str, address: str) -> tuple[str, str, str]:
    """(pair, address, name) keys, within the column's 128 characters (the longest is
    "second_factor:pair:" + 50 + "|" + 45, an IPv6 address's longest spelling)."""
    assert scope in SCOPES
    name, address = _name(name), address[:45]
    return (
        f"{scope}:pair:{name}|{address}",
        f"{scope}:address:{address}",
        f"{scope}:name:{name}",
    )


def delay_after(failures: int, free: int) -> timedelta:
    """How long the next try waits after `failures` failures: nothing while they are few,
    then FIRST_WAIT doubling each time, at most LONGEST_WAIT."""
    if failures < free:
        return timedelta(0)
    exponent = min(failures - free, 20)
    return min(FIRST_WAIT * 2**exponent, LONGEST_WAIT)


async def _failures(key: str, since: datetime) -> tuple[int, datetime | None]:
    """How many failures under `key` since then, and the latest one's time."""
    condition = (LoginFailure.key == key) & (LoginFailure.at > since)
    count = await LoginFailure.count().where(condition)
    if not count:
        return 0, None
    latest = (
        await LoginFailure.select(LoginFailure.at)
        .where(condition)
        .order_by(LoginFailure.at, ascending=False)
        .first()
    )
    return count, latest["at"] if latest else None


async def seconds_to_wait(scope: str, name: str, address: str, at: datetime | None = None) -> int:
    """0 when a try may be made now, else the whole seconds to wait (for Retry-After)."""
    now = at or datetime.now(UTC)
    since = now - WINDOW
    pair_key, address_key, name_key = _keys(scope, name, address)
    waits = []
    pair_count, pair_latest = await _failures(pair_key, since)
    if pair_count:
        waits.append(pair_latest + delay_after(pair_count, FREE_PER_PAIR))
    if pair_count >= FREE_PER_PAIR:
        # Many addresses guessing one name slow down, each once it has used its free tries.
        name_count, name_latest = await _failures(name_key, since)
        if name_count:  # none after the owner's completed login cleared them
            waits.append(name_latest + delay_after(name_count, FREE_PER_NAME))
    address_count, address_latest = await _failures(address_key, since)
    if address_count:
        waits.append(address_latest + delay_after(address_count, FREE_PER_ADDRESS))
    remaining = max([(until - now).total_seconds() for until in waits], default=0)
    return math.ceil(remaining) if remaining > 0 else 0


async def record_failure(scope: str, name: str, address: str, at: datetime | None = None) -> None:
    moment = at or datetime.now(UTC)
    await LoginFailure.insert(
        *(LoginFailure(key=key, at=moment) for key in _keys(scope, name, address))
    )
    # Keep the table small: nothing older than the window matters.
    await LoginFailure.delete().where(LoginFailure.at < moment - WINDOW)


async def clear_pair(scope: str, name: str, address: str) -> None:
    """A right answer from this address: its own failures on this name no longer count."""
    pair_key, _address_key, _name_key = _keys(scope, name, address)
    await LoginFailure.delete().where(LoginFailure.key == pair_key)


async def clear_name(name: str, address: str) -> None:
    """A completed login: the owner is in, so every step's failures on the name (and the
    pairs of this address) are cleared; strangers' addresses keep their own pair counts."""
    for scope in SCOPES:
        pair_key, _address_key, name_key = _keys(scope, name, address)
        await LoginFailure.delete().where(LoginFailure.key.is_in([pair_key, name_key]))


def wait_message(seconds: int) -> str:
    """What a person reads on a 429: how long, not why (the same for every name)."""
    from server.core.i18n import gettext as _

    return _("Too many failed attempts. Wait before trying again: %(seconds)s s.", seconds=seconds)


def retry_after(seconds: int) -> dict[str, str]:
    return {"Retry-After": str(max(seconds, 1))}
