"""The `alongside` command: serve, migrate, demo data, users.

Exit status: 0 on success, 2 on bad usage (argparse), 1 on failure with one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import sys


class CommandError(Exception):
    """A failure to report in one line."""


def _fail(message: str) -> int:
    print(f"alongside: {message}", file=sys.stderr)
    return 1


def _settings():
    from server.settings import get_settings

    return get_settings()


async def _migrate() -> None:
    from server.core.migrations import apply_migrations

    await apply_migrations()


def cmd_migrate(_args: argparse.Namespace) -> int:
    asyncio.run(_migrate())
    print("migrations applied")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    asyncio.run(_migrate())
    settings = _settings()
    uvicorn.run(
        "server.app:create_served_app",
        factory=True,
        host=args.host,
        port=args.port if args.port is not None else settings.port,
        proxy_headers=True,
        server_header=False,
        log_level="info",
    )
    return 0


def cmd_demo(_args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.production:
        raise CommandError("demo data is refused when ALONGSIDE_ENV=production")

    async def run() -> list:
        from server.demo.load import load_demo

        await _migrate()
        return await load_demo()

    created = asyncio.run(run())
    from server.demo.load import DEMO_ACCOUNTS, DEMO_PASSWORD

    print(f"demo data loaded ({len(created)} new accounts)")
    print("Open http://127.0.0.1:8000 and log in with one of these demo accounts,")
    print(f"all with the password: {DEMO_PASSWORD}")
    for account in DEMO_ACCOUNTS:
        regions = ", ".join(account.regions) or "-"
        print(f"  {account.username:<8} {account.role:<12} {account.team} ({regions})")
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    from server.accounts.passwords import generate_password, password_problem

    generated = not args.password_stdin
    if generated:
        password = generate_password()
    else:
        password = sys.stdin.readline().rstrip("\r\n")
        problem = password_problem(password)
        if problem:
            raise CommandError(problem)

    async def run() -> None:
        from server.accounts.services import create_user, ensure_team

        await _migrate()
        team_id = await ensure_team(args.team, _settings().country)
        await create_user(args.name, password, args.role, team_id)

    asyncio.run(run())
    print(f"created user {args.name.strip().lower()} ({args.role}) in team {args.team}")
    if generated:
        print(f"password: {password}")
        print("This password is shown once. Give it to the user in person.", file=sys.stderr)
    return 0


def cmd_keys_rotate(_args: argparse.Namespace) -> int:
    async def run() -> tuple[str, int]:
        from server.audit.services import record
        from server.entries.rotation import rotate_keys

        await _migrate()
        kid, count = await rotate_keys()
        await record("rotate_keys", None, "key", kid, username="cli")
        return kid, count

    kid, count = asyncio.run(run())
    print(f"new sealing key {kid}; {count} entries re-wrapped, none re-encrypted")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from server.settings import ROLES

    parser = argparse.ArgumentParser(prog="alongside", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve (migrations applied first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser("migrate", help="apply migrations")
    migrate.set_defaults(handler=cmd_migrate)

    demo = commands.add_parser("demo", help="load demo data (idempotent)")
    demo.set_defaults(handler=cmd_demo)

    user = commands.add_parser("user", help="manage users")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    create = user_commands.add_parser("create", help="create a user")
    create.add_argument("name")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--team", required=True)
    create.add_argument("--password-stdin", action="store_true")
    create.set_defaults(handler=cmd_user_create)

    keys = commands.add_parser("keys", help="sealing keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    rotate = key_commands.add_parser("rotate", help="new sealing key; stored entries re-wrapped")
    rotate.set_defaults(handler=cmd_keys_rotate)

    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        from server.settings import SettingsError

        try:
            return args.handler(args)
        except SettingsError as error:
            return _fail(str(error))
    except CommandError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return 1
    except Exception as error:
        from server.accounts.services import AccountError

        if isinstance(error, AccountError):
            return _fail(str(error))
        return _fail(f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    sys.exit(main())
