from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.notifications.tables import Notification

APP_CONFIG = AppConfig(
    app_name="notifications",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Notification],
    migration_dependencies=["server.accounts.piccolo_app"],
    commands=[],
)
