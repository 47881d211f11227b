"""Existing comments on entries are sealed (Envelope v1 under the current sealing key,
sealed as "decision:<id>") and the clear `comment` column is dropped: a database dump
shows none of them any more.

Piccolo runs raw steps before column changes, so the comments are sealed first, then the
column goes. There is no way back: a sealed comment is not written out in clear again.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from server.approvals.tables import Decision
from server.sealing.texts import seal_clear_column

ID = "2026-12-04T15:40:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Seal the comments of decision and drop the clear column"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="approvals", description=DESCRIPTION)

    async def seal_comments():
        await seal_clear_column(Decision, "comment", "decision")

    manager.add_raw(seal_comments)
    manager.drop_column(
        table_class_name="Decision",
        tablename="decision",
        column_name="comment",
        db_column_name="comment",
        schema=None,
    )
    return manager
