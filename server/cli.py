"""The `alongside` command: serve, migrate, demo data, users.

Exit status: 0 on success, 2 on bad usage (argparse), 1 on failure with one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path


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

    from server.core.logs import logging_config

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
        # JSON lines without client addresses or paths; requests are logged by the app.
        log_config=logging_config(),
        access_log=False,
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


def cmd_team_name(args: argparse.Namespace) -> int:
    """Set (or, with an empty NAME, remove) a team's name in one language."""

    async def run() -> dict[str, str]:
        from server.accounts.services import AccountError, name_team

        await _migrate()
        try:
            return await name_team(args.team, args.language, args.name)
        except AccountError as error:
            raise CommandError(str(error)) from error

    names = asyncio.run(run())
    shown = ", ".join(f"{language}: {name}" for language, name in sorted(names.items()))
    print(f"team {args.team.strip()}: {shown or 'no names by language'}")
    return 0


def _user_action(args: argparse.Namespace, action: str) -> int:
    """disable / enable / reset-factors of one user, recorded in the audit log as the CLI's."""

    async def run() -> None:
        from server.accounts import factors, services
        from server.audit.services import record

        await _migrate()
        user_id = await factors.user_id_by_name(args.name)
        if user_id is None:
            raise CommandError(f"no user named {args.name.strip().lower()}")
        if action == "disable":
            await services.disable_user(user_id)
        elif action == "enable":
            await services.enable_user(user_id)
        else:
            await factors.reset_factors(user_id)
        event = {"disable": "user_disabled", "enable": "user_enabled"}.get(
            action, "second_factor_reset"
        )
        await record(event, None, "user", str(user_id), username="cli")

    asyncio.run(run())
    done = {
        "disable": "disabled: sessions ended, devices revoked",
        "enable": "enabled",
        "reset-factors": "second factors reset: enrolment at the next login",
    }[action]
    print(f"{args.name.strip().lower()} {done}")
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


def cmd_keys_retire(args: argparse.Namespace) -> int:
    async def run():
        from server.audit.services import record
        from server.privacy.keys import retire_keys

        await _migrate()
        retirement = await retire_keys(force=args.force)
        for kid in retirement.retired:
            await record("retire_key", None, "key", kid, username="cli")
        return retirement

    retirement = asyncio.run(run())
    if retirement.devices_behind and not args.force:
        raise CommandError(
            f"{retirement.devices_behind} active devices have not synced since the current key "
            "was made: they may hold entries sealed to an old key; let them sync, revoke "
            "them, or pass --force"
        )
    retired = ", ".join(retirement.retired) or "none"
    print(f"retired sealing keys: {retired}; kept: {', '.join(retirement.kept)}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from server.operations.backup import BackupError, backup

    try:
        summary = backup(_settings(), args.path)
    except BackupError as error:
        raise CommandError(str(error)) from error
    counted = f"; {summary.entries} entries" if summary.entries >= 0 else ""
    print(f"backup written to {summary.path} ({summary.kind}{counted}); keys/ is not in it")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from server.operations.backup import BackupError, check_entries, restore

    settings = _settings()
    try:
        restore(settings, args.path)
    except BackupError as error:
        raise CommandError(str(error)) from error

    async def check() -> tuple[int, int]:
        await _migrate()  # a backup of an older version gets this version's migrations
        return await check_entries()

    entries, unopened = asyncio.run(check())
    if unopened:
        raise CommandError(
            f"restored, but {unopened} of {entries} entries do not open with the keys in "
            f"{settings.keys_dir}: copy the keys folder of the backed-up server there"
        )
    print(f"restored from {args.path}: {entries} entries, every one opens with the keys")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from server.core.i18n import LANGUAGES
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
    for action, text in (
        ("disable", "disable a user: sessions ended and devices revoked at once"),
        ("enable", "let a disabled user log in again"),
        ("reset-factors", "remove a user's second factors and recovery codes"),
    ):
        command = user_commands.add_parser(action, help=text)
        command.add_argument("name")
        command.set_defaults(handler=lambda args, action=action: _user_action(args, action))

    team = commands.add_parser("team", help="manage teams")
    team_commands = team.add_subparsers(dest="team_command", required=True, metavar="COMMAND")
    name = team_commands.add_parser(
        "name", help="the team's name in one language (an empty NAME removes it)"
    )
    name.add_argument("team", help="the team's name as created")
    name.add_argument("language", choices=LANGUAGES)
    name.add_argument("name")
    name.set_defaults(handler=cmd_team_name)

    keys = commands.add_parser("keys", help="sealing keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    rotate = key_commands.add_parser("rotate", help="new sealing key; stored entries re-wrapped")
    rotate.set_defaults(handler=cmd_keys_rotate)
    retire = key_commands.add_parser(
        "retire", help="destroy old private keys that no stored entry is wrapped to"
    )
    retire.add_argument("--force", action="store_true")
    retire.set_defaults(handler=cmd_keys_retire)

    backup = commands.add_parser("backup", help="consistent backup of the database (no keys)")
    backup.add_argument("path", type=Path)
    backup.set_defaults(handler=cmd_backup)

    restore = commands.add_parser("restore", help="restore a backup into the configured database")
    restore.add_argument("path", type=Path)
    restore.set_defaults(handler=cmd_restore)

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
