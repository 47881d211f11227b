"""A migration that adds one index to a table, and takes it away when migrating backwards.

Piccolo's migration manager makes an index of one column; the indexes that keep pages fast
at size are on several columns and often partial (`WHERE "status" = 'submitted'`), so they
are written in SQL that SQLite (3.8 and later) and PostgreSQL both take as it is.
"""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder


def index_migration(
    migration_id: str, app_name: str, description: str, name: str, on: str
) -> MigrationManager:
    """`CREATE INDEX IF NOT EXISTS "<name>" ON <on>` forwards, `DROP INDEX` backwards.
    `on` is the table, its columns and any condition: `"entry" ("team") WHERE …`."""
    manager = MigrationManager(
        migration_id=migration_id, app_name=app_name, description=description
    )

    async def create_index() -> None:
        await engine_finder().run_ddl(f'CREATE INDEX IF NOT EXISTS "{name}" ON {on}')

    async def drop_index() -> None:
        await engine_finder().run_ddl(f'DROP INDEX IF EXISTS "{name}"')

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
