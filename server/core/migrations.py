"""Apply every feature's Piccolo migrations, once even when several processes start together."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from pathlib import Path

from piccolo.apps.migrations.commands.forwards import run_forwards

from server.settings import Settings, get_settings

# Any fixed number: the PostgreSQL advisory lock that serialises migrations.
MIGRATION_LOCK_ID = 4_171_923


class MigrationError(RuntimeError):
    pass


async def _forwards() -> str:
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        result = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not result.success:
        raise MigrationError(result.message or "migrations failed")
    return output.getvalue()


async def apply_migrations(settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    if not settings.uses_postgres:
        output = await _forwards()
        use_write_ahead_log(settings.sqlite_path)
        return output
    import asyncpg

    connection = await asyncpg.connect(settings.database_url)
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
        try:
            return await _forwards()
        finally:
            await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
    finally:
        await connection.close()


def use_write_ahead_log(path: Path) -> None:
    """Put the SQLite file in write-ahead-log mode (kept in the file, so once is enough).

    With SQLite's default rollback journal a reader blocks every writer: while a backup
    holds its snapshot, or a long page reads, phones' syncs wait. In WAL mode readers and
    the one writer go on side by side, and a crash still loses nothing committed."""
    connection = sqlite3.connect(path, timeout=30)
    try:
        mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    finally:
        connection.close()
    if mode.lower() != "wal":
        raise MigrationError(f"SQLite refused write-ahead-log mode (journal mode {mode})")
