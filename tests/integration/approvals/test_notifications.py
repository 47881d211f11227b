"""In-app notifications: who gets which, no spam, no content, the inbox and its count."""

from __future__ import annotations

import json

import pytest

from server.notifications.services import notify, payload
from server.notifications.tables import Notification
from tests.support.accounts import log_in, make_user
from tests.support.approvals import build_team, decided, log_visit
from tests.support.run import run

COMMENT = "Ask Ileana Vrabie again about the date."


@pytest.fixture
def team():
    return build_team()


def notifications(user_id: int) -> list[dict]:
    return run(Notification.select().where(Notification.user == user_id))


def test_entries_waiting_once_per_supervisor_until_read(client, team):
    second_supervisor = make_user("sandu", "supervisor", "Team North")
    for _ in range(3):
        log_visit(team.users["ana"], team.north_code)
    for supervisor in (team.users["sofia"], second_supervisor):
        [note] = notifications(supervisor)
        assert (note["kind"], note["url"], note["read_at"]) == (
            "entries_waiting",
            "/approvals",
            None,
        )
    assert notifications(team.users["victor"]) == []
    # Read it: the next entry makes a new one.
    log_in(client, "sofia")
    response = client.post(
        f"/notifications/{notifications(team.users['sofia'])[0]['id']}/open",
        data={"_csrf_token": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/approvals"
    log_visit(team.users["ana"], team.north_code)
    assert [n["read_at"] is None for n in notifications(team.users["sofia"])] == [False, True]


def test_entry_returned_goes_to_the_author_with_a_link_and_no_comment(client, team):
    entry = log_visit(team.users["ana"], team.north_code)
    decided(team.users["sofia"], entry, "returned", COMMENT)
    [note] = notifications(team.users["ana"])
    assert note["kind"] == "entry_returned"
    assert note["url"] == f"/entries/{entry}"
    assert json.loads(note["params"]) == {"type": "visit"}
    message = payload(note, "en")
    assert set(message) == {"kind", "title", "body", "url"}
    assert message["title"] == "An entry was returned to you"
    assert "Visit" in message["body"]
    for language in ("en", "ro", "ru", "sq", "sr"):
        text = json.dumps(payload(note, language), ensure_ascii=False)
        assert "Ileana" not in text and "Vrabie" not in text
        assert COMMENT not in text
    assert notifications(team.users["bogdan"]) == []


def test_payload_language_is_the_recipients(team):
    entry = log_visit(team.users["ana"], team.north_code)
    decided(team.users["sofia"], entry, "returned", COMMENT)
    [note] = notifications(team.users["ana"])
    waiting = {"kind": "entries_waiting", "url": "/approvals", "params": "{}"}
    assert payload(waiting, "en")["title"] == "Entries are waiting for you"
    assert payload(note, "en")["url"] == f"/entries/{entry}"


def test_inbox_badge_and_mark_all_read(client, team):
    entry = log_visit(team.users["ana"], team.north_code)
    decided(team.users["sofia"], entry, "returned", COMMENT)
    csrf = log_in(client, "ana")
    badge = client.get("/notifications/unread")
    assert badge.status_code == 200
    assert '<span class="inbox-count">1</span>' in badge.text
    # Every page's header shows the count, rendered with the page.
    assert '<span class="inbox-count">1</span></a>' in client.get("/").text
    inbox = client.get("/notifications").text
    assert "An entry was returned to you" in inbox
    assert COMMENT not in inbox
    assert 'class="unread"' in inbox
    response = client.post(
        "/notifications/read", data={"_csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert "hidden" in client.get("/notifications/unread").text
    assert "inbox-count" not in client.get("/").text
    assert 'class="read"' in client.get("/notifications").text


def test_another_users_notification_is_404(client, team):
    entry = log_visit(team.users["ana"], team.north_code)
    decided(team.users["sofia"], entry, "returned", COMMENT)
    [note] = notifications(team.users["ana"])
    csrf = log_in(client, "bogdan")
    response = client.post(f"/notifications/{note['id']}/open", data={"_csrf_token": csrf})
    assert response.status_code == 404
    assert notifications(team.users["ana"])[0]["read_at"] is None


def test_notify_refuses_unknown_kinds_and_foreign_urls(team):
    with pytest.raises(ValueError):
        run(notify(team.users["ana"], "gossip", "/"))
    with pytest.raises(ValueError):
        run(notify(team.users["ana"], "entry_returned", "https://evil.example/"))
    with pytest.raises(ValueError):
        run(notify(team.users["ana"], "entry_returned", "//evil.example/"))
