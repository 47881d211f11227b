"""The Litestar application: every feature's router, the middleware, templates and static files."""

from __future__ import annotations

import gc
import logging

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.logging import LoggingConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

from server.accounts.account_routes import router as account_router
from server.accounts.factor_routes import router as factors_router
from server.accounts.middleware import SessionMiddleware
from server.accounts.routes import router as accounts_router
from server.approvals.routes import router as approvals_router
from server.audit.middleware import AccessDeniedAudit
from server.audit.routes import router as audit_router
from server.cases.routes import router as cases_router
from server.core.csrf import CSRFMiddleware
from server.core.errors import exception_handlers
from server.core.headers import add_security_headers
from server.core.logs import JsonFormatter, RequestLogMiddleware
from server.core.paths import STATIC_DIR
from server.core.templating import template_engine
from server.deadlines.routes import router as deadlines_router
from server.deadlines.scheduler import start_scheduler, stop_scheduler
from server.devices.routes import router as devices_router
from server.entries.routes import router as entries_router
from server.home.routes import router as home_router
from server.indicators.routes import router as indicators_router
from server.instruments.middleware import PublishedInstruments
from server.instruments.routes import router as instruments_router
from server.notifications.routes import count_unread_notifications
from server.notifications.routes import router as notifications_router
from server.operations.openapi import openapi_config
from server.operations.query_count import QueryCountHeader, count_queries_of
from server.operations.routes import router as operations_router
from server.outbox.routes import router as outbox_router
from server.privacy.routes import router as privacy_router
from server.providers.routes import router as providers_router
from server.push.routes import router as push_router
from server.push.vapid import ensure_key as vapid_key
from server.pwa.routes import router as pwa_router
from server.reports.routes import router as reports_router
from server.risk.routes import router as risk_router
from server.sealing.keys import key_ring
from server.sealing.routes import router as sealing_router
from server.settings import SettingsError, get_settings, secret_key
from server.sync.routes import router as sync_router

# The whole request stays small: sync batches are capped at 2 MiB by the contract.
MAX_REQUEST_BODY = 2 * 1024 * 1024 + 64 * 1024


async def open_database_pool() -> None:
    # PostgreSQL: reuse connections instead of opening one per query.
    engine = engine_finder()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10)


async def close_database_pool() -> None:
    engine = engine_finder()
    if isinstance(engine, PostgresEngine) and engine.pool:
        await engine.close_connection_pool()


def create_app(pooled: bool = False, count_queries: bool | None = None) -> Litestar:
    """The application. `pooled`: keep a PostgreSQL connection pool (the served app; tests
    that drive the app in-process share the engine across event loops and cannot).
    `count_queries`: send each request's number of queries (default: the setting)."""
    settings = get_settings()
    if count_queries is None:
        count_queries = settings.query_count
    counting = []
    if count_queries:
        count_queries_of(engine_finder())
        counting.append(QueryCountHeader())
    secret_key(settings)  # made on first start, before any request needs it
    ring = key_ring(settings)
    ring.current()  # likewise the sealing key pair
    vapid_key(settings)  # and the VAPID key pair of Web Push
    if settings.production and ring.loose_files():
        # Production refuses to run with private keys that other accounts can read.
        raise SettingsError(
            "sealing keys readable by others: chmod 700 keys/sealing and 600 its files"
        )
    static_router = create_static_files_router(
        path="/static", directories=[STATIC_DIR], name="static", send_as_attachment=False
    )
    return Litestar(
        route_handlers=[
            operations_router,
            pwa_router,
            accounts_router,
            factors_router,
            account_router,
            home_router,
            sealing_router,
            devices_router,
            sync_router,
            outbox_router,
            entries_router,
            approvals_router,
            notifications_router,
            cases_router,
            privacy_router,
            audit_router,
            risk_router,
            instruments_router,
            deadlines_router,
            push_router,
            reports_router,
            indicators_router,
            providers_router,
            static_router,
        ],
        middleware=[
            *counting,
            RequestLogMiddleware(),
            SessionMiddleware(),
            AccessDeniedAudit(),
            PublishedInstruments(),
            CSRFMiddleware(),
        ],
        template_config=TemplateConfig(instance=template_engine),
        plugins=[HTMXPlugin()],
        exception_handlers=exception_handlers,
        before_request=count_unread_notifications,
        before_send=[add_security_headers],
        compression_config=CompressionConfig(backend="gzip", minimum_size=500),
        request_max_body_size=MAX_REQUEST_BODY,
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            # One JSON object per line, no personal data (server/core/logs.py).
            formatters={"standard": {"()": JsonFormatter}},
            log_exceptions="never",
        ),
        openapi_config=openapi_config(),
        debug=False,
        # The scheduler runs in the served app only; tests start it themselves.
        on_startup=[open_database_pool, start_scheduler] if pooled else [],
        # An unpooled app still closes whatever pool the engine keeps on its event loop (the
        # tests' engine keeps one per loop: tests/support/piccolo_conf.py).
        on_shutdown=[stop_scheduler, close_database_pool] if pooled else [close_database_pool],
    )


logging.getLogger("alongside").setLevel(logging.INFO)


def create_served_app() -> Litestar:
    """The factory `alongside serve` hands to uvicorn."""
    app = create_app(pooled=True)
    # Everything made so far (modules, routes, templates' environment, Babel's data) lives
    # as long as the process: move it out of the garbage collector's sight. Otherwise each
    # full collection walks all of it again, about 90 ms of a request every ~30 pages.
    gc.collect()
    gc.freeze()
    return app
