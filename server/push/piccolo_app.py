from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.push.tables import PushDelivery, PushSubscription

APP_CONFIG = AppConfig(
    app_name="push",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[PushSubscription, PushDelivery],
    migration_dependencies=["server.accounts.piccolo_app"],
    commands=[],
)
