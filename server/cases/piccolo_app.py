from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.cases.tables import Case, CaseLabel

APP_CONFIG = AppConfig(
    app_name="cases",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Case, CaseLabel],
    migration_dependencies=["server.accounts.piccolo_app"],
    commands=[],
)
