"""Assigning and closing a case: happy paths, every bad input, CSRF, and the audit log."""

from __future__ import annotations

import re

import pytest

from server.accounts.tables import User
from server.audit.tables import AuditEvent
from server.cases.tables import Case
from tests.integration.cases.people import World, build_world
from tests.support.accounts import log_in, make_user
from tests.support.run import run

ASSIGN_MESSAGE = "Choose a coordinator or shelter staff member of your team to assign the case to."


@pytest.fixture
def world() -> World:
    return build_world()


def case_row(world: World) -> dict:
    return run(
        Case.select(Case.assigned_to, Case.status, Case.close_reason, Case.closed_at)
        .where(Case.id == world.north_case)
        .first()
    )


def audit(action: str) -> list[dict]:
    return run(
        AuditEvent.select(
            AuditEvent.actor_name, AuditEvent.object_type, AuditEvent.object_id
        ).where(AuditEvent.action == action)
    )


def post(client, path: str, token: str, **fields):
    return client.post(path, data={**fields, "_csrf_token": token}, follow_redirects=False)


# --- Assigning ----------------------------------------------------------------------------------


def test_supervisor_assigns_a_case_to_another_coordinator(client, world):
    token = log_in(client, "sofia")
    response = post(
        client, f"/cases/{world.north_code}/assign", token, assignee=str(world.users["bogdan"])
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{world.north_code}"
    assert case_row(world)["assigned_to"] == world.users["bogdan"]
    assert audit("assign_case") == [
        {"actor_name": "sofia", "object_type": "case", "object_id": world.north_code}
    ]
    page = client.get(response.headers["location"])
    assert '<dd id="case-assignee">bogdan</dd>' in page.text

    # The case moves with its history: bogdan has it now, ana no longer.
    client.cookies.clear()
    log_in(client, "bogdan")
    assert world.north_code in client.get("/cases").text
    assert client.get(f"/cases/{world.north_code}").status_code == 200
    client.cookies.clear()
    log_in(client, "ana")
    assert world.north_code not in client.get("/cases").text
    assert client.get(f"/cases/{world.north_code}").status_code == 404


def test_a_case_may_be_assigned_to_shelter_staff_who_may_then_close_it(client, world):
    token = log_in(client, "sofia")
    response = post(
        client, f"/cases/{world.north_case}/assign", token, assignee=str(world.users["sara"])
    )
    # Reached by its UUID, answered with its code.
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{world.north_code}"
    client.cookies.clear()
    token = log_in(client, "sara")
    assert (
        f'action="/cases/{world.north_code}/close"' in client.get(f"/cases/{world.north_code}").text
    )
    response = post(client, f"/cases/{world.north_code}/close", token, reason="transferred")
    assert response.status_code == 303
    assert case_row(world)["status"] == "closed"


def _inactive_coordinator() -> int:
    user_id = make_user("gone", "coordinator", "Team North")
    run(User.update({User.active: False}).where(User.id == user_id))
    return user_id


@pytest.mark.parametrize(
    "assignee",
    [
        pytest.param(lambda w: None, id="missing"),
        pytest.param(lambda w: "", id="empty"),
        pytest.param(lambda w: "bogdan", id="not-a-number"),
        pytest.param(lambda w: "1.5", id="decimal"),
        pytest.param(lambda w: "999999", id="no-such-user"),
        pytest.param(lambda w: str(w.users["petru"]), id="coordinator-of-another-team"),
        pytest.param(lambda w: str(w.users["sofia"]), id="a-supervisor"),
        pytest.param(lambda w: str(w.users["ada"]), id="an-admin"),
        pytest.param(lambda w: str(_inactive_coordinator()), id="inactive-account"),
        pytest.param(lambda w: "9" * 400, id="huge-number"),
    ],
)
def test_bad_assignee_gets_the_case_page_with_a_message(client, world, assignee):
    value = assignee(world)
    token = log_in(client, "sofia")
    fields = {} if value is None else {"assignee": value}
    response = post(client, f"/cases/{world.north_code}/assign", token, **fields)
    assert response.status_code == 400
    assert f'<p class="alert error" role="alert" id="case-error">{ASSIGN_MESSAGE}</p>' in (
        response.text
    )
    assert re.search(r'id="assignee"[^>]*aria-invalid="true"', response.text)
    # The page is the case page, with the form to try again.
    assert f'<h1 class="case-title">{world.north_code}</h1>' in response.text
    assert f'action="/cases/{world.north_code}/assign"' in response.text
    assert case_row(world)["assigned_to"] == world.users["ana"]
    assert audit("assign_case") == []


def test_a_closed_case_cannot_be_reassigned(client, world):
    token = log_in(client, "sofia")
    post(client, f"/cases/{world.north_code}/close", token, reason="moved")
    response = post(
        client, f"/cases/{world.north_code}/assign", token, assignee=str(world.users["bogdan"])
    )
    assert response.status_code == 400
    assert "This case is closed, so it cannot be reassigned." in response.text
    assert case_row(world)["assigned_to"] == world.users["ana"]


def test_assigning_without_the_csrf_token_is_refused(client, world):
    log_in(client, "sofia")
    response = client.post(
        f"/cases/{world.north_code}/assign",
        data={"assignee": str(world.users["bogdan"])},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert case_row(world)["assigned_to"] == world.users["ana"]


# --- Closing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["ana", "sofia"])
def test_the_assigned_coordinator_or_the_supervisor_closes_a_case(client, world, username):
    token = log_in(client, username)
    response = post(client, f"/cases/{world.north_code}/close", token, reason="reintegrated")
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{world.north_code}"
    row = case_row(world)
    assert row["status"] == "closed"
    assert row["close_reason"] == "reintegrated"
    assert row["closed_at"] is not None
    assert audit("close_case") == [
        {"actor_name": username, "object_type": "case", "object_id": world.north_code}
    ]
    # Closed cases leave the default list and appear under "closed".
    assert world.north_code not in client.get("/cases").text
    assert world.north_code in client.get("/cases?status=closed").text
    page = client.get(f"/cases/{world.north_code}").text
    assert "Assistance completed" in page


@pytest.mark.parametrize(
    "reason",
    [None, "", "finished", "REINTEGRATED", "reintegrated' OR 1=1", "x" * 5000],
    ids=["missing", "empty", "unknown", "wrong-case", "injection", "huge"],
)
def test_bad_reason_gets_the_case_page_with_a_message(client, world, reason):
    token = log_in(client, "ana")
    fields = {} if reason is None else {"reason": reason}
    response = post(client, f"/cases/{world.north_code}/close", token, **fields)
    assert response.status_code == 400
    assert "Choose why the case is being closed." in response.text
    assert re.search(r'id="reason"[^>]*aria-invalid="true"', response.text)
    assert case_row(world)["status"] == "open"
    assert audit("close_case") == []


def test_closing_a_closed_case_again_is_refused(client, world):
    token = log_in(client, "sofia")
    first = post(client, f"/cases/{world.north_code}/close", token, reason="moved")
    assert first.status_code == 303
    response = post(client, f"/cases/{world.north_code}/close", token, reason="other")
    assert response.status_code == 400
    assert "This case is closed already." in response.text
    assert case_row(world)["close_reason"] == "moved"
    assert len(audit("close_case")) == 1


def test_unknown_case_gets_404_for_changes_too(client, world):
    token = log_in(client, "sofia")
    assert post(client, "/cases/MD-2025-0999/close", token, reason="moved").status_code == 404
    assert (
        post(
            client, "/cases/MD-2025-0999/assign", token, assignee=str(world.users["bogdan"])
        ).status_code
        == 404
    )
