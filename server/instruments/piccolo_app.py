from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.instruments.tables import InstrumentComment, InstrumentVersion

APP_CONFIG = AppConfig(
    app_name="instruments",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[InstrumentVersion, InstrumentComment],
    migration_dependencies=["server.accounts.piccolo_app"],
    commands=[],
)
