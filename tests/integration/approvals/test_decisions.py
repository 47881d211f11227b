"""Approving and returning entries through the contract's routes, and every refusal: each
refused decision answers with its status and changes nothing."""

from __future__ import annotations

import asyncio

import pytest

from server.approvals.services import DecisionError, decide, with_comment
from server.approvals.tables import Decision
from server.audit.tables import AuditEvent
from server.entries.tables import Entry
from server.notifications.tables import Notification
from tests.support.accounts import log_in
from tests.support.approvals import build_team, current_user, decided, log_visit
from tests.support.run import run


@pytest.fixture
def team():
    return build_team()


def status_of(entry_id: str) -> str:
    return run(Entry.select(Entry.status).where(Entry.id == entry_id).first())["status"]


def decisions_of(entry_id: str) -> list[dict]:
    """The decisions on an entry as stored, each with its comment unsealed."""
    rows = run(Decision.select().where(Decision.entry == entry_id))
    for row in rows:
        # Nothing of the comment in clear: only the sealed envelope is kept.
        assert "comment" not in row
    return [with_comment(row) for row in rows]


def assert_unchanged(entry_id: str) -> None:
    assert status_of(entry_id) == "submitted"
    assert decisions_of(entry_id) == []
    assert (
        run(
            AuditEvent.count().where(
                AuditEvent.action.is_in(["approve_entry", "return_entry"])
                & (AuditEvent.object_id == entry_id)
            )
        )
        == 0
    )


def test_supervisor_approves_with_303_back_to_the_next_entry(client, team):
    first = log_visit(team.users["ana"], team.north_code)
    second = log_visit(team.users["bogdan"], team.centre_code)
    csrf = log_in(client, "sofia")
    response = client.post(
        f"/entries/{first}/approve", data={"_csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/approvals/next?after={first}"
    following = client.get(response.headers["location"], follow_redirects=False)
    assert following.headers["location"] == f"/entries/{second}"
    assert status_of(first) == "approved"
    [decision] = decisions_of(first)
    assert decision["decision"] == "approved"
    assert decision["decided_by"] == team.users["sofia"]
    assert decision["decided_at"] is not None
    audit = run(
        AuditEvent.select().where(
            (AuditEvent.action == "approve_entry") & (AuditEvent.object_id == first)
        )
    )
    assert [(row["actor_name"], row["object_id"]) for row in audit] == [("sofia", first)]
    # Nothing returned: the author is not notified.
    assert run(Notification.count().where(Notification.kind == "entry_returned")) == 0


def test_return_with_comment_notifies_the_author_without_the_comment(client, team):
    entry = log_visit(team.users["ana"], team.north_code)
    csrf = log_in(client, "sofia")
    response = client.post(
        f"/entries/{entry}/return",
        data={"_csrf_token": csrf, "comment": "The purpose is missing.", "next": "/approvals"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/approvals"
    assert status_of(entry) == "returned"
    [decision] = decisions_of(entry)
    assert (decision["decision"], decision["comment"]) == ("returned", "The purpose is missing.")
    [note] = run(Notification.select().where(Notification.kind == "entry_returned"))
    assert note["user"] == team.users["ana"]
    assert note["url"] == f"/entries/{entry}"
    assert "missing" not in repr(note)


def test_an_open_redirect_in_next_is_ignored(client, team):
    entry = log_visit(team.users["ana"], team.north_code)
    csrf = log_in(client, "sofia")
    response = client.post(
        f"/entries/{entry}/approve",
        data={"_csrf_token": csrf, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"/approvals/next?after={entry}"


def test_htmx_decision_answers_with_the_panel_and_a_next_link(client, team):
    first = log_visit(team.users["ana"], team.north_code)
    second = log_visit(team.users["ana"], team.north_code)
    csrf = log_in(client, "sofia")
    response = client.post(
        f"/entries/{first}/approve",
        data={"_csrf_token": csrf},
        headers={"HX-Request": "true", "HX-Target": "review"},
    )
    assert response.status_code == 200
    assert 'id="review"' in response.text
    assert "<html" not in response.text
    assert f'href="/entries/{second}" id="next-entry"' in response.text
    assert "Approved by sofia" in response.text
    # A queue row answers with a row.
    row = client.post(
        f"/entries/{second}/approve",
        data={"_csrf_token": csrf},
        headers={"HX-Request": "true", "HX-Target": f"queue-{second}"},
    )
    assert row.status_code == 200
    assert row.text.strip().startswith(f'<li class="queue-row decided" id="queue-{second}">')
    assert status_of(second) == "approved"


def test_return_without_comment_is_422_in_the_users_language_and_changes_nothing(client, team):
    entry = log_visit(team.users["ana"], team.north_code)
    csrf = log_in(client, "sofia")
    for comment in ("", "   \n "):
        response = client.post(
            f"/entries/{entry}/return", data={"_csrf_token": csrf, "comment": comment}
        )
        assert response.status_code == 422
        assert "a returned entry needs a comment" in response.text
    assert_unchanged(entry)
    # htmx: the panel comes back with the message and the form to try again.
    response = client.post(
        f"/entries/{entry}/return",
        data={"_csrf_token": csrf, "comment": ""},
        headers={"HX-Request": "true", "HX-Target": "review"},
    )
    assert response.status_code == 422
    assert 'id="review-error"' in response.text
    assert 'id="return-comment"' in response.text
    assert_unchanged(entry)


def test_too_long_comment_is_422_and_kept_in_the_form(client, team):
    entry = log_visit(team.users["ana"], team.north_code)
    csrf = log_in(client, "sofia")
    long_comment = "x" * 2001
    response = client.post(
        f"/entries/{entry}/return",
        data={"_csrf_token": csrf, "comment": long_comment},
        headers={"HX-Request": "true", "HX-Target": "review"},
    )
    assert response.status_code == 422
    assert "at most 2000 characters" in response.text
    assert long_comment in response.text
    assert_unchanged(entry)


def test_missing_comment_message_in_romanian(client, team):
    from server.accounts.tables import User

    run(User.update({User.language: "ro"}).where(User.id == team.users["sofia"]))
    entry = log_visit(team.users["ana"], team.north_code)
    csrf = log_in(client, "sofia")
    response = client.post(f"/entries/{entry}/return", data={"_csrf_token": csrf})
    assert response.status_code == 422
    assert '<html lang="ro">' in response.text
    assert_unchanged(entry)


@pytest.mark.parametrize("action", ["approve", "return"])
def test_coordinators_may_not_decide_not_even_on_their_team_members_entries(client, team, action):
    own = log_visit(team.users["ana"], team.north_code)
    colleague = log_visit(team.users["bogdan"], team.centre_code)
    csrf = log_in(client, "ana")
    for entry in (own, colleague):
        response = client.post(
            f"/entries/{entry}/{action}", data={"_csrf_token": csrf, "comment": "Fine."}
        )
        # 403 for the role, whatever the entry: it confirms nothing about the entry.
        assert response.status_code == 403
        assert_unchanged(entry)
    assert client.get("/approvals").status_code == 403


@pytest.mark.parametrize("action", ["approve", "return"])
def test_another_teams_supervisor_gets_404_and_changes_nothing(client, team, action):
    entry = log_visit(team.users["ana"], team.north_code)
    csrf = log_in(client, "victor")
    response = client.post(
        f"/entries/{entry}/{action}", data={"_csrf_token": csrf, "comment": "Fine."}
    )
    assert response.status_code == 404
    assert "Nothing is here" in response.text
    assert_unchanged(entry)
    # An entry that does not exist, or an id that is no id, looks the same.
    for missing in ("0b7e3c1e-0000-4000-8000-000000000000", "not-an-id"):
        response = client.post(f"/entries/{missing}/{action}", data={"_csrf_token": csrf})
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("first", "second"), [("approve", "return"), ("return", "approve"), ("approve", "approve")]
)
def test_a_decided_version_is_final_409(client, team, first, second):
    entry = log_visit(team.users["ana"], team.north_code)
    csrf = log_in(client, "sofia")
    assert (
        client.post(
            f"/entries/{entry}/{first}",
            data={"_csrf_token": csrf, "comment": "First word."},
            follow_redirects=False,
        ).status_code
        == 303
    )
    before = status_of(entry)
    response = client.post(
        f"/entries/{entry}/{second}", data={"_csrf_token": csrf, "comment": "Second word."}
    )
    assert response.status_code == 409
    assert "decided already" in response.text
    assert status_of(entry) == before
    [decision] = decisions_of(entry)
    assert decision["comment"] == "First word."


def test_a_version_replaced_by_a_correction_is_409(client, team):
    old = log_visit(team.users["ana"], team.north_code)
    new = log_visit(team.users["ana"], team.north_code, revises=old)
    csrf = log_in(client, "sofia")
    response = client.post(f"/entries/{old}/approve", data={"_csrf_token": csrf})
    assert response.status_code == 409
    assert "newer version" in response.text
    assert_unchanged(old)
    assert status_of(new) == "submitted"


def test_no_csrf_token_no_decision(client, team):
    entry = log_visit(team.users["ana"], team.north_code)
    log_in(client, "sofia")
    response = client.post(f"/entries/{entry}/approve", data={})
    assert response.status_code == 403
    assert_unchanged(entry)


def test_concurrent_approve_and_return_exactly_one_wins(team):
    sofia = current_user(team.users["sofia"])
    for _round in range(3):
        entry = log_visit(team.users["ana"], team.north_code)

        async def both(entry: str = entry):
            return await asyncio.gather(
                decide(sofia, entry, "approved"),
                decide(sofia, entry, "returned", "Please check."),
                return_exceptions=True,
            )

        outcomes = run(both())
        winners = [o for o in outcomes if not isinstance(o, BaseException)]
        losers = [o for o in outcomes if isinstance(o, BaseException)]
        assert len(winners) == 1, outcomes
        assert len(losers) == 1 and isinstance(losers[0], DecisionError)
        assert losers[0].status == 409
        [decision] = decisions_of(entry)
        assert status_of(entry) == decision["decision"] == winners[0].decision


def test_decide_refuses_unknown_decisions_and_other_roles(team):
    entry = log_visit(team.users["ana"], team.north_code)
    with pytest.raises(DecisionError) as refused:
        decided(team.users["sofia"], entry, "maybe")
    assert refused.value.status == 400
    with pytest.raises(DecisionError) as refused:
        decided(team.users["ana"], entry, "approved")
    assert refused.value.status == 404
    assert_unchanged(entry)


def test_shelter_staff_are_supervised_by_their_teams_supervisor(client):
    from tests.support.accounts import make_user
    from tests.support.entries import open_case, plaintext, submit

    besa = make_user("besa", "shelter", "Shelter Pristina", country="XK", regions=("Prishtinë",))
    make_user("arta", "supervisor", "Shelter Pristina", country="XK", regions=())
    make_user("elena", "supervisor", "VPC North")
    _case, code = open_case(besa, region="Prishtinë")
    assert code.startswith("XK-")
    result = submit(besa, plaintext("visit", code))
    assert result["status"] == "stored"
    entry = result["id"]
    csrf = log_in(client, "elena")
    response = client.post(f"/entries/{entry}/approve", data={"_csrf_token": csrf})
    assert response.status_code == 404
    assert_unchanged(entry)
    client.cookies.clear()
    csrf = log_in(client, "arta")
    response = client.post(
        f"/entries/{entry}/approve", data={"_csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert status_of(entry) == "approved"
