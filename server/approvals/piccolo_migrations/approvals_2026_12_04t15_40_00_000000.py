"""Sealed columns for the supervisor's comment on entries: the envelope (JSON) and the kid
of the key that wraps it now. The next migration moves the clear comments into them."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T15:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Sealed comment columns on decision"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="approvals", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Decision",
        tablename="decision",
        column_name="comment_sealed",
        db_column_name="comment_sealed",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Decision",
        tablename="decision",
        column_name="comment_key_kid",
        db_column_name="comment_key_kid",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
