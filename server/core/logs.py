"""Logs: one JSON object per line, free of personal data and free text.

* Every record becomes one line of JSON, so a CR, LF or any control character in a message
  is escaped by the encoder and can never forge a second line (log injection).
* Requests are logged by route *template* (`/entries/{entry_id:str}`), method, status and
  duration: never the real path (it may hold a case code), the query string (searches),
  the client's address, a user name or a body.
* Who did what lives in the audit log (a table), not here.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

# Attributes of a LogRecord that are not fields someone added with `extra=`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}
# Fields a line may carry besides the message: counts, codes, types, durations.
ALLOWED_FIELDS = {"event", "method", "route", "status", "duration_ms", "error", "count", "kind"}
MAX_MESSAGE = 500

log = logging.getLogger("alongside.requests")


def neutralise(text: object, limit: int = MAX_MESSAGE) -> str:
    """One printable line: control characters (CR, LF, ESC, …) become `?`; cut to `limit`."""
    value = str(text)
    cleaned = "".join("?" if ord(ch) < 32 or 127 <= ord(ch) < 160 else ch for ch in value)
    return cleaned[:limit]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": neutralise(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key in ALLOWED_FIELDS and key not in _STANDARD:
                line[key] = value if isinstance(value, int | float) else neutralise(value, 200)
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: an exception's message may quote what a user typed.
            line["exception"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=True, separators=(",", ":"))


def logging_config(level: str = "INFO") -> dict:
    """dictConfig for the served process (uvicorn included; its access log is replaced by
    RequestLogMiddleware, which knows the route template)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": handler},
        "loggers": {
            "uvicorn": {"handlers": ["json"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["json"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
        "root": {"handlers": ["json"], "level": level},
    }


def route_template(scope: Scope) -> str:
    handler = scope.get("route_handler")
    if handler is None:
        return "unmatched"
    paths = sorted(getattr(handler, "paths", None) or [])
    return paths[0] if paths else "unmatched"


class RequestLogMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    # Static files and health checks would drown everything else.
    should_bypass_for_scope = staticmethod(
        lambda scope: scope["path"].startswith("/static/") or scope["path"] == "/healthz"
    )

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await next_app(scope, receive, send_and_note)
        finally:
            log.info(
                "request",
                extra={
                    "event": "request",
                    "method": neutralise(scope.get("method", ""), 10),
                    "route": route_template(scope),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
