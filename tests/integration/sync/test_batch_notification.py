"""A batch of entries tells the team's supervisors once that entries wait for them, not once
per entry (a write transaction per supervisor and entry was a fifth of the time of a day's
backlog in `bench/field_load.py`); a batch that stores nothing tells nobody."""

from __future__ import annotations

import pytest

from server.notifications import services as notifications
from server.notifications.tables import Notification
from server.sync.services import ingest_batch
from tests.support.accounts import make_user
from tests.support.entries import plaintext, sealed_envelope
from tests.support.run import run


def count_notifying(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    supervisors = notifications._team_supervisors

    async def counted(team_id):
        calls.append(team_id)
        return await supervisors(team_id)

    monkeypatch.setattr(notifications, "_team_supervisors", counted)
    return calls


def test_a_batch_notifies_the_supervisors_once(monkeypatch: pytest.MonkeyPatch) -> None:
    coordinator = make_user("cora")
    supervisor = make_user("sofia", role="supervisor")
    calls = count_notifying(monkeypatch)
    batch = [sealed_envelope(plaintext("training")) for _ in range(20)]

    results = run(ingest_batch(batch, coordinator, None))
    assert {result["status"] for result in results} == {"stored"}
    assert len(calls) == 1
    assert run(Notification.count().where(Notification.user == supervisor)) == 1

    again = run(ingest_batch(batch, coordinator, None))  # all duplicates: nothing new
    assert {result["status"] for result in again} == {"duplicate"}
    assert len(calls) == 1
