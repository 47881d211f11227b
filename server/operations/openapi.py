"""The OpenAPI description of `/api/v1`, served at `/api/v1/openapi.json`.

Litestar builds it from the handlers; the API handlers read their bodies themselves (to
answer exactly as CONTRACT.md says), so their request bodies and answers are described
here, next to the contract's words. Pages are left out: the description is of the API
that phones and other programs use, which the contract publishes anyway, so it is served
in production too.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

API_PREFIX = "/api/v1/"
SCHEMA_PATH = "/api/v1/openapi.json"

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}


def _json_body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _answers(ok_status: str, ok_schema: dict | None, *errors: str) -> dict:
    answers: dict[str, Any] = {
        ok_status: {"description": "success"}
        if ok_schema is None
        else {"description": "success", "content": {"application/json": {"schema": ok_schema}}}
    }
    for status in errors:
        answers[status] = {
            "description": "refused",
            "content": {"application/json": {"schema": ERROR}},
        }
    return answers


# Request bodies and answers of the operations whose handlers parse their own bodies.
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/v1/devices"): {
        "requestBody": _json_body(
            {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100}},
            }
        ),
        "responses": _answers(
            "201",
            {
                "type": "object",
                "properties": {"device_id": {"type": "string"}, "token": {"type": "string"}},
            },
            "400",
            "401",
            "403",
        ),
    },
    ("post", "/api/v1/sync"): {
        # Each envelope is checked on its own and answered in `results` (one bad entry never
        # stops the others), so an envelope's shape is not a rule of the request.
        "requestBody": _json_body(
            {
                "type": "object",
                "required": ["entries"],
                "properties": {"entries": {"type": "array", "maxItems": 100, "items": {}}},
            }
        ),
        "responses": _answers(
            "200",
            {
                "type": "object",
                "properties": {"results": {"type": "array", "items": {"type": "object"}}},
            },
            "400",
            "401",
            "413",
        ),
        "security": [{"device": []}],
    },
    ("post", "/api/v1/push/subscriptions"): {
        # A browser's PushSubscription as JSON; an endpoint outside the allowlist is 422.
        "requestBody": _json_body(
            {
                "type": "object",
                "required": ["endpoint", "keys"],
                "properties": {
                    "endpoint": {"type": "string", "minLength": 1, "maxLength": 2048},
                    "keys": {
                        "type": "object",
                        "required": ["p256dh", "auth"],
                        "properties": {
                            "p256dh": {"type": "string", "minLength": 1, "maxLength": 200},
                            "auth": {"type": "string", "minLength": 1, "maxLength": 100},
                        },
                    },
                },
            }
        ),
        "responses": _answers("201", None, "400", "401", "403", "422"),
    },
    ("get", "/api/v1/entries/status"): {
        "security": [{"device": []}],
    },
}


def describe(schema: dict[str, Any]) -> dict[str, Any]:
    """Only `/api/v1` operations, with the bodies and answers above filled in."""
    schema = dict(schema)
    paths = {}
    for path, item in schema.get("paths", {}).items():
        if not path.startswith(API_PREFIX) or path == SCHEMA_PATH:
            continue
        item = dict(item)
        for method, extra in OPERATIONS.items():
            if method[1] == path and method[0] in item:
                item[method[0]] = {**item[method[0]], **extra}
        paths[path] = item
    schema["paths"] = paths
    components = dict(schema.get("components") or {})
    components["securitySchemes"] = {
        **(components.get("securitySchemes") or {}),
        "device": {"type": "http", "scheme": "bearer"},
        "session": {"type": "apiKey", "in": "cookie", "name": "alongside_session"},
    }
    schema["components"] = components
    return schema


class ApiDescription(JsonRenderPlugin):
    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        return self.render_json(request, describe(openapi_schema))


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Alongside API",
        version="1",
        path=SCHEMA_PATH,
        render_plugins=[ApiDescription(path="/")],
    )
