from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.reports.tables import MonthlyReport, ReportDecision

APP_CONFIG = AppConfig(
    app_name="reports",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[MonthlyReport, ReportDecision],
    migration_dependencies=["server.accounts.piccolo_app", "server.entries.piccolo_app"],
    commands=[],
)
