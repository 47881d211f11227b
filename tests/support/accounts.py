"""Users for tests: created straight in the database, with one password hashed once."""

from __future__ import annotations

from functools import cache

from litestar.testing import TestClient

from server.accounts.passwords import hash_password
from server.accounts.services import create_user, ensure_team
from tests.support.run import run

PASSWORD = "correct horse battery staple"


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


def make_user(
    username: str,
    role: str = "coordinator",
    team: str = "Team North",
    country: str = "MD",
    regions: tuple[str, ...] = ("North",),
    language: str = "en",
) -> int:
    async def create() -> int:
        team_id = await ensure_team(team, country)
        return await create_user(
            username,
            PASSWORD,
            role,
            team_id,
            regions=list(regions),
            language=language,
            password_hash=password_hash(),
        )

    return run(create())


def csrf_from(client: TestClient) -> str:
    token = client.cookies.get("csrftoken")
    if not token:
        client.get("/login")
        token = client.cookies.get("csrftoken")
    return token or ""


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the real form; returns the session's CSRF token."""
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": csrf_from(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client.cookies.get("csrftoken")
