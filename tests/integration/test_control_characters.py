"""Control characters and broken Unicode found by fuzzing: refused or dropped with a clear
answer, never a server error (PostgreSQL refuses NUL and lone surrogates in text)."""

from __future__ import annotations

import json

from server.core.forms import printable_text
from server.devices.tables import Device
from tests.support.accounts import log_in, make_user
from tests.support.run import run


def test_a_device_name_with_control_characters_or_broken_unicode_is_a_400(client):
    make_user("ion")
    csrf = log_in(client, "ion")
    for name in ("phone\x00", "phone\x1b[31m", '\ud9ba"phone', "\x85phone"):
        response = client.post(
            "/api/v1/devices",
            content=json.dumps({"name": name}),
            headers={"X-CSRFToken": csrf, "Content-Type": "application/json"},
        )
        assert response.status_code == 400, (name, response.text)
        assert response.json()["error"]["message"]
    assert run(Device.count()) == 0
    fine = client.post(
        "/api/v1/devices", json={"name": "Ion's phone\tnew"}, headers={"X-CSRFToken": csrf}
    )
    assert fine.status_code == 201


def test_a_nul_in_a_form_field_is_dropped_not_a_server_error(client):
    make_user("ion")
    csrf = log_in(client, "ion")
    response = client.post(
        "/language", data={"language": "ro\x00", "_csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303  # "ro" once the NUL is gone


def test_printable_text():
    assert printable_text("Line one\nline two\ttab")
    assert not printable_text("nul\x00")
    assert not printable_text("\ud800")
    assert not printable_text("esc\x1b")
