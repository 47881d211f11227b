"""The supervisor's queue: oldest first, the team's latest versions only, filters, counts,
and approving several at once — each one its own decision."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from server.approvals.services import QUEUE_LIMIT
from server.approvals.tables import Decision
from server.audit.tables import AuditEvent
from server.deadlines.services import APPROVAL_WAIT_DAYS, deadlines_for
from server.entries.tables import Entry
from tests.support.accounts import log_in
from tests.support.approvals import build_team, current_user, decided, log_entry, log_visit
from tests.support.run import run


@pytest.fixture
def team():
    return build_team()


def queue_ids(html: str) -> list[str]:
    return re.findall(r'<li class="queue-row" id="queue-([0-9a-f-]{36})">', html)


def age(entry_id: str, days: int) -> None:
    """Pretend the entry arrived `days` ago."""
    run(
        Entry.update({Entry.received_at: datetime.now(UTC) - timedelta(days=days)}).where(
            Entry.id == entry_id
        )
    )


def test_oldest_first_own_team_only_latest_versions(client, team):
    older = log_visit(team.users["ana"], team.north_code)
    age(older, 5)
    replaced = log_visit(team.users["bogdan"], team.centre_code)
    correction = log_visit(team.users["bogdan"], team.centre_code, revises=replaced)
    training = log_entry(team.users["ana"], "training")
    south = log_visit(team.users["petru"], team.south_code)
    decided_one = log_visit(team.users["ana"], team.north_code)
    decided(team.users["sofia"], decided_one, "approved")

    log_in(client, "sofia")
    page = client.get("/approvals")
    assert page.status_code == 200
    assert queue_ids(page.text) == [older, correction, training]
    assert south not in page.text and replaced not in page.text
    assert "3 entries are waiting in all." in page.text
    # Counts beside each filter choice.
    assert re.search(r'<option value="visit"\s*>Visit \(2\)</option>', page.text)
    assert re.search(r'<option value="ana"\s*>ana \(2\)</option>', page.text)
    assert re.search(r'<option value="bogdan"\s*>bogdan \(1\)</option>', page.text)
    # The other team's supervisor sees only their own.
    client.cookies.clear()
    log_in(client, "victor")
    assert queue_ids(client.get("/approvals").text) == [south]


def test_filters(client, team):
    north = log_visit(team.users["ana"], team.north_code)
    age(north, 10)
    centre = log_visit(team.users["bogdan"], team.centre_code)
    training = log_entry(team.users["ana"], "training")
    log_in(client, "sofia")

    def shown(query: str) -> list[str]:
        response = client.get("/approvals?" + query)
        assert response.status_code == 200, response.text
        return queue_ids(response.text)

    assert shown("type=visit") == [north, centre]
    assert shown("type=training") == [training]
    assert shown("coordinator=bogdan") == [centre]
    assert shown("coordinator=ANA") == [north, training]
    assert shown(f"case={team.north_code.lower()}") == [north]
    assert shown("region=Centre") == [centre]
    assert shown("days=7") == [north]
    assert shown("days=30") == []
    assert shown("type=visit&coordinator=ana&days=1") == [north]
    filtered = client.get("/approvals?type=visit").text
    assert "2 entries match." in filtered


@pytest.mark.parametrize("query", ["days=abc", "days=-1", "days=0", "type=nonsense"])
def test_bad_filters_get_a_message_and_400(client, team, query):
    log_visit(team.users["ana"], team.north_code)
    log_in(client, "sofia")
    response = client.get("/approvals?" + query)
    assert response.status_code == 400
    assert 'class="alert error"' in response.text
    assert queue_ids(response.text) == []


def test_htmx_filter_answers_with_the_list_only(client, team):
    entry = log_visit(team.users["ana"], team.north_code)
    log_in(client, "sofia")
    response = client.get(
        "/approvals?type=visit", headers={"HX-Request": "true", "HX-Target": "queue"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="queue">')
    assert queue_ids(response.text) == [entry]


def test_bulk_approval_records_each_decision_separately(client, team):
    entries = [log_visit(team.users["ana"], team.north_code) for _ in range(4)]
    already = entries[3]
    decided(team.users["sofia"], already, "returned", "Missing purpose.")
    south = log_visit(team.users["petru"], team.south_code)
    csrf = log_in(client, "sofia")
    response = client.post(
        "/approvals/approve",
        data={"_csrf_token": csrf, "entry": [*entries, south]},
        headers={"HX-Request": "true", "HX-Target": "queue"},
    )
    assert response.status_code == 200
    assert "3 entries approved." in response.text
    assert "2 were not approved" in response.text
    assert queue_ids(response.text) == []
    for entry in entries[:3]:
        [decision] = run(Decision.select().where(Decision.entry == entry))
        assert decision["decision"] == "approved"
    assert run(Entry.select(Entry.status).where(Entry.id == already).first())["status"] == (
        "returned"
    )
    assert run(Entry.select(Entry.status).where(Entry.id == south).first())["status"] == (
        "submitted"
    )
    audited = run(
        AuditEvent.select(AuditEvent.object_id).where(
            (AuditEvent.action == "approve_entry") & AuditEvent.object_id.is_in(entries)
        )
    )
    assert sorted(row["object_id"] for row in audited) == sorted(entries[:3])


def test_bulk_approval_without_javascript_redirects_with_the_count(client, team):
    entries = [log_visit(team.users["ana"], team.north_code) for _ in range(2)]
    csrf = log_in(client, "sofia")
    response = client.post(
        "/approvals/approve",
        data={"_csrf_token": csrf, "entry": entries},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/approvals?approved=2"
    assert "2 entries approved." in client.get(response.headers["location"]).text


def test_bulk_approval_with_nothing_ticked(client, team):
    log_visit(team.users["ana"], team.north_code)
    csrf = log_in(client, "sofia")
    response = client.post(
        "/approvals/approve",
        data={"_csrf_token": csrf},
        headers={"HX-Request": "true", "HX-Target": "queue"},
    )
    assert "Tick the entries to approve first." in response.text
    assert run(Entry.count().where(Entry.status == "approved")) == 3  # the intakes only


def test_coordinators_may_not_bulk_approve(client, team):
    entry = log_visit(team.users["bogdan"], team.centre_code)
    csrf = log_in(client, "ana")
    response = client.post("/approvals/approve", data={"_csrf_token": csrf, "entry": [entry]})
    assert response.status_code == 403
    assert run(Decision.count().where(Decision.entry == entry)) == 0


def test_next_goes_to_the_oldest_waiting_then_back_to_the_queue(client, team):
    first = log_visit(team.users["ana"], team.north_code)
    log_in(client, "sofia")
    response = client.get(f"/approvals/next?after={first}", follow_redirects=False)
    assert response.headers["location"] == "/approvals"
    response = client.get("/approvals/next", follow_redirects=False)
    assert response.headers["location"] == f"/entries/{first}"


def test_supervisor_home_links_to_the_queue_with_its_count(client, team):
    old = log_visit(team.users["ana"], team.north_code)
    log_visit(team.users["ana"], team.north_code, revises=old)
    log_in(client, "sofia")
    page = client.get("/").text
    assert "Open the queue: 1 entry" in page
    assert old not in page


def test_the_queue_shows_the_oldest_100_and_says_when_more_wait(client, team):
    assert QUEUE_LIMIT == 100
    ids = [log_visit(team.users["ana"], team.north_code) for _ in range(QUEUE_LIMIT)]
    log_in(client, "sofia")
    page = client.get("/approvals").text
    assert queue_ids(page) == ids
    assert "Only the oldest" not in page
    assert "100 entries are waiting in all." in page

    newest = log_visit(team.users["bogdan"], team.centre_code)
    page = client.get("/approvals").text
    assert queue_ids(page) == ids  # the oldest 100, not the newest
    assert newest not in page
    assert "Only the oldest 100 are shown." in page
    assert "101 entries are waiting in all." in page
    # Home counts every waiting entry, not the page of the queue.
    assert "Open the queue: 101 entries" in client.get("/").text
    # So does the reminder of entries waiting past the wait.
    run(Entry.update({Entry.received_at: datetime.now(UTC) - timedelta(days=30)}, force=True))
    later = datetime.now(UTC) + timedelta(days=APPROVAL_WAIT_DAYS)
    overdue = [
        deadline
        for deadline in run(deadlines_for(current_user(team.users["sofia"]), later))
        if deadline.kind == "approvals_overdue"
    ]
    assert [deadline.count for deadline in overdue] == [101]
