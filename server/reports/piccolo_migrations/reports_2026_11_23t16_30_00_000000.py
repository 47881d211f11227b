"""Indexes that let a month be compiled from that month's entries only.

A monthly report reads one coordinator's entries of one month, the indicators one team's
(or every team's) entries of a period: (author, occurred_at) and (team, occurred_at) find
exactly those rows, however many other months the database holds. (root, received_at)
serves the "no later approved version" test of server/approvals/counting.py. Piccolo's
auto migrations do not make composite indexes, hence raw SQL (the same on SQLite and
PostgreSQL).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T16:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Composite indexes on entry for compiling reports and indicators"

INDEXES = (
    'CREATE INDEX IF NOT EXISTS "entry_author_occurred_at" ON "entry" ("author", "occurred_at")',
    'CREATE INDEX IF NOT EXISTS "entry_team_occurred_at" ON "entry" ("team", "occurred_at")',
    'CREATE INDEX IF NOT EXISTS "entry_root_received_at" ON "entry" ("root", "received_at")',
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    async def drop_indexes():
        engine = engine_finder()
        for name in ("entry_author_occurred_at", "entry_team_occurred_at", "entry_root_received_at"):
            await engine.run_ddl(f'DROP INDEX IF EXISTS "{name}"')

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
