from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.providers.tables import Provider

APP_CONFIG = AppConfig(
    app_name="providers",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Provider],
    migration_dependencies=[],
    commands=[],
)
