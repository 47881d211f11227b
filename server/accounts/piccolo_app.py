from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.accounts.tables import (
    LoginFailure,
    RecoveryCode,
    SecondFactor,
    Session,
    Team,
    User,
)

HERE = Path(__file__).parent

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=str(HERE / "piccolo_migrations"),
    table_classes=[Team, User, Session, LoginFailure, SecondFactor, RecoveryCode],
    migration_dependencies=[],
    commands=[],
)
