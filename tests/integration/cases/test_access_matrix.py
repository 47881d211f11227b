"""Who may see and change which case: every role × every route × own team or other team.

Allowed: 200 for pages, 303 back to the case for changes. Not allowed: 404, never 403, so
nobody learns whether a case exists. Anonymous: 303 to the login page.
"""

from __future__ import annotations

import pytest

from server.cases.tables import Case
from tests.integration.cases.people import World, build_world
from tests.support.accounts import log_in
from tests.support.run import run

ROLES = {
    # label in the test id → username (None: not logged in)
    "coordinator_assigned": "ana",
    "coordinator_same_team_not_assigned": "bogdan",
    "shelter_staff_of_team": "sara",
    "supervisor_of_team": "sofia",
    "supervisor_of_other_team": "victor",
    "admin": "ada",
    "anonymous": None,
}
# Whose data: "north" is the team of the assigned coordinator (ana), "south" another team.
DATA = ("north", "south")

SEES_CASE = {
    "ana": {"north"},
    "bogdan": set(),
    "sara": {"north"},
    "sofia": {"north"},
    "victor": {"south"},
    "ada": set(),
}
SEES_ENTRY = SEES_CASE
ASSIGNS = {"sofia": {"north"}, "victor": {"south"}}
CLOSES = {"ana": {"north"}, "sofia": {"north"}, "victor": {"south"}}


def _code(world: World, data: str) -> str:
    return world.north_code if data == "north" else world.south_code


def _case_id(world: World, data: str) -> str:
    return world.north_case if data == "north" else world.south_case


def _case_row(world: World, data: str) -> dict:
    return run(
        Case.select(Case.assigned_to, Case.status).where(Case.id == _case_id(world, data)).first()
    )


def _login(client, username: str | None) -> str:
    return log_in(client, username) if username else ""


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def _assert_to_login(response) -> None:
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("role", ROLES)
def test_case_list(client, world, role, data):
    username = ROLES[role]
    _login(client, username)
    response = client.get("/cases?status=all", follow_redirects=False)
    if username is None:
        _assert_to_login(response)
    elif username == "ada":
        assert response.status_code == 403
        assert "This page is not part of your role." in response.text
    else:
        assert response.status_code == 200
        listed = _code(world, data) in response.text
        assert listed == (data in SEES_CASE[username])


@pytest.mark.parametrize("by", ("code", "uuid"))
@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("role", ROLES)
def test_case_page(client, world, role, data, by):
    username = ROLES[role]
    _login(client, username)
    reference = _code(world, data) if by == "code" else _case_id(world, data)
    response = client.get(f"/cases/{reference}", follow_redirects=False)
    if username is None:
        _assert_to_login(response)
    elif data in SEES_CASE[username]:
        assert response.status_code == 200
        assert f'<h1 class="case-title">{_code(world, data)}</h1>' in response.text
    else:
        assert response.status_code == 404
        # The page itself says nothing of the case (the footer only repeats the URL typed).
        assert _code(world, data) not in main_of(response.text)


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("role", ROLES)
def test_entry_page(client, world, role, data):
    username = ROLES[role]
    _login(client, username)
    entry_id = world.north_visit if data == "north" else world.south_visit
    response = client.get(f"/entries/{entry_id}", follow_redirects=False)
    if username is None:
        _assert_to_login(response)
    elif data in SEES_ENTRY[username]:
        assert response.status_code == 200
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("role", ROLES)
def test_assign(client, world, role, data):
    username = ROLES[role]
    token = _login(client, username)
    # A valid assignee of the case's own team, so that only permission decides.
    assignee = world.users["bogdan"] if data == "north" else world.users["petru"]
    before = _case_row(world, data)
    response = client.post(
        f"/cases/{_code(world, data)}/assign",
        data={"assignee": str(assignee), "_csrf_token": token},
        follow_redirects=False,
    )
    after = _case_row(world, data)
    if username is None:
        _assert_to_login(response)
        assert after == before
    elif data in ASSIGNS.get(username, set()):
        assert response.status_code == 303
        assert response.headers["location"] == f"/cases/{_code(world, data)}"
        assert after["assigned_to"] == assignee
    else:
        assert response.status_code == 404
        assert after == before


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("role", ROLES)
def test_close(client, world, role, data):
    username = ROLES[role]
    token = _login(client, username)
    response = client.post(
        f"/cases/{_code(world, data)}/close",
        data={"reason": "reintegrated", "_csrf_token": token},
        follow_redirects=False,
    )
    status = _case_row(world, data)["status"]
    if username is None:
        _assert_to_login(response)
        assert status == "open"
    elif data in CLOSES.get(username, set()):
        assert response.status_code == 303
        assert response.headers["location"] == f"/cases/{_code(world, data)}"
        assert status == "closed"
    else:
        assert response.status_code == 404
        assert status == "open"
