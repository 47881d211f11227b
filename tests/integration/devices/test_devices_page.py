"""The devices page: a coordinator sees their phones and revokes a lost one."""

from __future__ import annotations

from server.audit.tables import AuditEvent
from server.devices.tables import Device
from tests.support.accounts import log_in, make_user
from tests.support.entries import open_case, plaintext, register_device, sealed_envelope, sync
from tests.support.run import run


def test_the_page_lists_only_my_devices(client):
    make_user("ion")
    make_user("maria")
    token = log_in(client, "maria")
    register_device(client, token, "Maria's phone")
    client.cookies.clear()
    token = log_in(client, "ion")
    register_device(client, token, "Ion's phone")
    page = client.get("/devices").text
    assert "Ion&#39;s phone" in page or "Ion's phone" in page
    assert "Maria" not in page


def test_revoking_from_the_page_stops_the_token_at_once_and_is_audited(client):
    user_id = make_user("ion")
    case_id, _ = open_case(user_id)
    token = log_in(client, "ion")
    device_id, device_token = register_device(client, token)
    envelope = sealed_envelope(plaintext("visit", case_id))
    response = client.post(
        f"/devices/{device_id}/revoke", data={"_csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/devices"
    assert sync(client, device_token, [envelope]).status_code == 401
    assert "Revoked" in client.get("/devices").text
    events = run(AuditEvent.select().where(AuditEvent.action == "revoke_device"))
    assert len(events) == 1


def test_htmx_revoke_answers_with_the_list(client):
    make_user("ion")
    token = log_in(client, "ion")
    device_id, _ = register_device(client, token)
    response = client.post(
        f"/devices/{device_id}/revoke",
        data={"_csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="devices"' in response.text and "<html" not in response.text


def test_someone_elses_device_is_not_found_and_stays_active(client):
    make_user("ion")
    make_user("maria")
    token = log_in(client, "maria")
    device_id, device_token = register_device(client, token)
    client.cookies.clear()
    token = log_in(client, "ion")
    for target in (device_id, "not-a-uuid", "00000000-0000-4000-8000-000000000000"):
        response = client.post(f"/devices/{target}/revoke", data={"_csrf_token": token})
        assert response.status_code == 404
    assert run(Device.select(Device.revoked_at).where(Device.id == device_id).first()) == {
        "revoked_at": None
    }
    assert sync(client, device_token, []).status_code != 401


def test_revoking_needs_the_csrf_token(client):
    make_user("ion")
    token = log_in(client, "ion")
    device_id, _ = register_device(client, token)
    response = client.post(f"/devices/{device_id}/revoke", data={})
    assert response.status_code == 403
    assert run(Device.select(Device.revoked_at).where(Device.id == device_id).first()) == {
        "revoked_at": None
    }
