from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.approvals.tables import Decision

APP_CONFIG = AppConfig(
    app_name="approvals",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Decision],
    migration_dependencies=["server.accounts.piccolo_app", "server.entries.piccolo_app"],
    commands=[],
)
