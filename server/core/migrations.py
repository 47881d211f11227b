"""Apply every feature's Piccolo migrations, once even when several processes start together."""

from __future__ import annotations

import contextlib
import io

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
        return await _forwards()
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
