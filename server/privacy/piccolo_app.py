from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.privacy.tables import CaseErasure, RetentionExtension, RetentionReview, TeamRetention

APP_CONFIG = AppConfig(
    app_name="privacy",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[CaseErasure, RetentionExtension, TeamRetention, RetentionReview],
    migration_dependencies=["server.accounts.piccolo_app", "server.cases.piccolo_app"],
    commands=[],
)
