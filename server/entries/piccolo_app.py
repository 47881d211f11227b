from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.entries.tables import Entry

APP_CONFIG = AppConfig(
    app_name="entries",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Entry],
    migration_dependencies=[
        "server.accounts.piccolo_app",
        "server.cases.piccolo_app",
        "server.devices.piccolo_app",
    ],
    commands=[],
)
