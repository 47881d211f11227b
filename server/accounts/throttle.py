"""Login throttling: after repeated failures, 429 for that account name or that address.

Failures are counted the same way whether the account exists or not, so the answer never
tells an attacker which names are real. Counts live in the database so that several
server processes share them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.accounts.tables import LoginFailure

WINDOW = timedelta(minutes=15)
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 30


def account_key(username: str) -> str:
    return "account:" + username.strip().lower()[:100]


def address_key(address: str) -> str:
    return "address:" + address[:100]


async def is_throttled(username: str, address: str, at: datetime | None = None) -> bool:
    since = (at or datetime.now(UTC)) - WINDOW
    by_account = await LoginFailure.count().where(
        (LoginFailure.key == account_key(username)) & (LoginFailure.at > since)
    )
    if by_account >= MAX_PER_ACCOUNT:
        return True
    by_address = await LoginFailure.count().where(
        (LoginFailure.key == address_key(address)) & (LoginFailure.at > since)
    )
    return by_address >= MAX_PER_ADDRESS


async def record_failure(username: str, address: str, at: datetime | None = None) -> None:
    moment = at or datetime.now(UTC)
    await LoginFailure.insert(
        LoginFailure(key=account_key(username), at=moment),
        LoginFailure(key=address_key(address), at=moment),
    )
    # Keep the table small: nothing older than the window matters.
    await LoginFailure.delete().where(LoginFailure.at < moment - WINDOW)


async def clear_account(username: str) -> None:
    await LoginFailure.delete().where(LoginFailure.key == account_key(username))
