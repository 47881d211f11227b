"""Demo data: a Moldova VPC team and a Kosovo shelter team, loaded idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from server.accounts.services import create_user, ensure_team
from server.accounts.tables import User

DEMO_PASSWORD = "alongside-demo"  # noqa: S105 - a published demo password, refused in production


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    team: str
    country: str
    regions: tuple[str, ...] = ()
    language: str = ""


MOLDOVA_TEAM = "VPC Moldova North-Centre"
KOSOVO_TEAM = "State Shelter Pristina"

DEMO_ACCOUNTS = (
    DemoAccount("elena", "supervisor", MOLDOVA_TEAM, "MD", ("North", "Centre"), "ro"),
    DemoAccount("ion", "coordinator", MOLDOVA_TEAM, "MD", ("North",), "ro"),
    DemoAccount("maria", "coordinator", MOLDOVA_TEAM, "MD", ("Centre",), "ro"),
    DemoAccount("victor", "coordinator", MOLDOVA_TEAM, "MD", ("North", "Centre"), "ru"),
    DemoAccount("admin", "admin", MOLDOVA_TEAM, "MD", (), "en"),
    DemoAccount("arta", "supervisor", KOSOVO_TEAM, "XK", ("Prishtinë",), "sq"),
    DemoAccount("besa", "shelter", KOSOVO_TEAM, "XK", ("Prishtinë",), "sq"),
    DemoAccount("dragan", "shelter", KOSOVO_TEAM, "XK", ("Prishtinë",), "sr"),
)


async def load_demo(password_hash: str | None = None) -> list[DemoAccount]:
    """Create what is missing; existing accounts are left exactly as they are."""
    created = []
    for account in DEMO_ACCOUNTS:
        team_id = await ensure_team(account.team, account.country)
        if await User.exists().where(User.username == account.username):
            continue
        await create_user(
            account.username,
            DEMO_PASSWORD,
            account.role,
            team_id,
            regions=list(account.regions),
            language=account.language,
            password_hash=password_hash,
        )
        created.append(account)
    # The Moldova team's monthly report due dates from the contract (server.deadlines).
    from server.deadlines.services import seed_moldova_schedule

    await seed_moldova_schedule(MOLDOVA_TEAM)
    return created
