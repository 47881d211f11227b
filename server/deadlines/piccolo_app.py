from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.deadlines.tables import Reminder, ReminderSettings, ReportDueDate

APP_CONFIG = AppConfig(
    app_name="deadlines",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[ReportDueDate, Reminder, ReminderSettings],
    migration_dependencies=["server.accounts.piccolo_app", "server.entries.piccolo_app"],
    commands=[],
)
