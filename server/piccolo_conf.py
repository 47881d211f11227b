"""Piccolo's configuration: SQLite in the data dir by default, PostgreSQL from DATABASE_URL."""

from __future__ import annotations

from urllib.parse import unquote, urlparse

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from server.settings import Settings, get_settings


def make_engine(settings: Settings) -> PostgresEngine | SQLiteEngine:
    if settings.uses_postgres:
        url = urlparse(settings.database_url)
        return PostgresEngine(
            config={
                "host": url.hostname or "127.0.0.1",
                "port": url.port or 5432,
                "user": unquote(url.username or ""),
                "password": unquote(url.password or ""),
                "database": url.path.lstrip("/"),
            },
            log_queries=False,
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SQLiteEngine(path=str(settings.sqlite_path), timeout=30)


DB = make_engine(get_settings())

APP_REGISTRY = AppRegistry(
    apps=[
        "server.accounts.piccolo_app",
        "server.devices.piccolo_app",
        "server.cases.piccolo_app",
        "server.entries.piccolo_app",
        "server.audit.piccolo_app",
        "server.approvals.piccolo_app",
        "server.notifications.piccolo_app",
        "server.reports.piccolo_app",
        "server.push.piccolo_app",
        "server.deadlines.piccolo_app",
        "server.instruments.piccolo_app",
        "server.providers.piccolo_app",
        "server.privacy.piccolo_app",
    ]
)
