"""The server's log, from a real process through a full flow: one JSON object per line, no
personal data, nothing anyone typed, no forged lines; authentication events and refusals
are in the audit log instead."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

import httpx

from server.audit.tables import AuditEvent
from server.core.logs import JsonFormatter, neutralise
from tests.support.accounts import PASSWORD, make_user
from tests.support.entries import open_case, plaintext, sealed_envelope
from tests.support.live_server import start_server
from tests.support.run import run

MARK = "QZXMARK"  # in everything typed below; must be nowhere in the log
INJECTION = f'{MARK}\r\n{{"level":"error","message":"forged"}}\n\x1b[31m'


def test_a_full_flow_leaves_only_json_lines_without_what_was_entered(tmp_path: Path):
    zorba = make_user("zorba", role="coordinator")
    make_user("kallisto", role="supervisor")
    case_id, case_code = open_case(zorba)
    server = start_server(tmp_path)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            http.get("/login", params={"next": f"/{MARK}"})
            csrf = http.cookies.get("csrftoken")
            # A failed login with hostile text in both fields.
            http.post(
                "/login",
                data={"username": INJECTION, "password": f"{MARK}-password", "_csrf_token": csrf},
            )
            http.post(
                "/login",
                data={"username": "zorba", "password": f"{MARK}-wrong", "_csrf_token": csrf},
            )
            response = http.post(
                "/login",
                data={"username": "zorba", "password": PASSWORD, "_csrf_token": csrf},
                headers={"User-Agent": f"{MARK} agent"},  # headers cannot carry CR/LF
            )
            assert response.status_code == 303, response.text
            csrf = http.cookies.get("csrftoken")
            refused = http.post(
                "/api/v1/devices", json={"name": INJECTION}, headers={"X-CSRFToken": csrf}
            )
            assert refused.status_code == 400  # control characters are refused, not logged
            device = http.post(
                "/api/v1/devices",
                json={"name": f'{MARK} {{"level":"error","message":"forged"}}'},
                headers={"X-CSRFToken": csrf},
            )
            assert device.status_code == 201
            token = device.json()["token"]
            entry = plaintext("visit", case_id, notes=INJECTION, purpose=MARK)
            synced = http.post(
                "/api/v1/sync",
                json={"entries": [sealed_envelope(entry)]},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert synced.json()["results"][0]["status"] == "stored"
            # Bad input of every kind: a broken envelope, a wrong token, searches, refusals.
            http.post(
                "/api/v1/sync",
                json={"entries": [{"v": 1, "id": INJECTION}]},
                headers={"Authorization": f"Bearer {token}"},
            )
            http.post(
                "/api/v1/sync", json={"entries": []}, headers={"Authorization": f"Bearer {MARK}"}
            )
            http.get("/cases", params={"q": INJECTION})
            http.get(f"/cases/{case_code}")
            http.get(f"/entries/{uuid.uuid4()}")
            http.get("/audit", params={"user": INJECTION})  # a coordinator: refused
            http.post("/language", data={"language": INJECTION, "_csrf_token": csrf})
            http.get(f"/{MARK}/%0d%0a{MARK}")
            http.post("/logout", data={"_csrf_token": csrf})
    finally:
        server.stop()

    log = server.log()
    lines = [line for line in log.splitlines() if line.strip()]
    assert len(lines) > 10
    parsed = []
    for line in lines:
        value = json.loads(line)  # every line is one JSON object: no line was forged
        assert isinstance(value, dict) and {"ts", "level", "logger", "message"} <= set(value)
        parsed.append(value)
    assert MARK not in log
    assert "forged" not in log
    assert "\x1b" not in log
    for private in ("zorba", "kallisto", case_code, case_id, PASSWORD):
        assert private not in log, private
    requests = [line for line in parsed if line.get("event") == "request"]
    routes = {(line["method"], line["route"], line["status"]) for line in requests}
    assert ("POST", "/api/v1/sync", 200) in routes
    assert ("POST", "/api/v1/sync", 401) in routes
    assert any(route.startswith("/entries/{") and status == 404 for _m, route, status in routes)
    assert all("client" not in line and "path" not in line for line in parsed)

    # Who did what is in the audit log, with ids and route templates only.
    events = run(AuditEvent.select(AuditEvent.action, AuditEvent.object_id))
    actions = [event["action"] for event in events]
    for action in (
        "login_failed_unknown",
        "login_failed",
        "login",
        "logout",
        "access_denied",
        "device_refused",
    ):
        assert action in actions, action
    assert all(MARK not in event["object_id"] for event in events)
    denied = {event["object_id"] for event in events if event["action"] == "access_denied"}
    assert "/audit" in denied


def test_the_formatter_escapes_control_characters_and_keeps_only_known_fields():
    record = logging.makeLogRecord(
        {
            "name": "alongside.test",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "entry %s failed",
            "args": ("a\r\nb",),
            "event": "sync",
            "count": 3,
            "username": "zorba",  # not an allowed field: dropped
        }
    )
    line = JsonFormatter().format(record)
    assert "\n" not in line and "\r" not in line
    value = json.loads(line)
    assert value["message"] == "entry a??b failed"
    assert value["event"] == "sync" and value["count"] == 3
    assert "username" not in value and "zorba" not in line


def test_exceptions_are_logged_by_type_only():
    try:
        raise ValueError(f"{MARK} typed by someone")
    except ValueError:
        import sys

        record = logging.makeLogRecord(
            {"msg": "failed", "levelname": "ERROR", "exc_info": sys.exc_info()}
        )
    line = JsonFormatter().format(record)
    assert json.loads(line)["exception"] == "ValueError"
    assert MARK not in line


def test_neutralise():
    assert neutralise("a\nb\rc\x00d\x85e") == "a?b?c?d?e"
    assert neutralise("x" * 600) == "x" * 500
