"""An entry and its audit events are written together: a server process that dies after the
entry was stored but before its `create_entry` event was written must not leave an entry
nobody is recorded as submitting (the phone's retry then only hears `duplicate`, which
records nothing). `bench/field_load.py` found this with SIGKILL; here the death is a failure
of the audit insert at that very point."""

from __future__ import annotations

import uuid

import pytest
from litestar.testing import TestClient

from server.audit.tables import AuditEvent
from server.cases.tables import Case
from server.entries.tables import Entry
from tests.integration.sync.conftest import Phone
from tests.support.entries import plaintext, sealed_envelope, sync
from tests.support.run import run


class ProcessDied(Exception):
    """Stands for the SIGKILL: nothing after this point of the request happens."""


def die_at_the_first_audit_event(monkeypatch: pytest.MonkeyPatch) -> None:
    insert = AuditEvent.insert
    died: list[bool] = []

    def insert_or_die(*rows: AuditEvent):
        if not died:
            died.append(True)
            raise ProcessDied
        return insert(*rows)

    monkeypatch.setattr(AuditEvent, "insert", insert_or_die)


def events(action: str, object_id: str) -> int:
    return run(
        AuditEvent.count().where(
            (AuditEvent.action == action) & (AuditEvent.object_id == object_id)
        )
    )


@pytest.mark.parametrize("entry_type", ["training", "case_intake"])
def test_a_retry_after_a_death_between_entry_and_audit_event_stores_both_once(
    client: TestClient, phone: Phone, monkeypatch: pytest.MonkeyPatch, entry_type: str
) -> None:
    envelope = sealed_envelope(plaintext(entry_type))
    die_at_the_first_audit_event(monkeypatch)

    first = sync(client, phone.token, [envelope]).json()["results"][0]
    assert first["status"] == "rejected" and first["error"]["code"] == "server_error"
    # The phone keeps a `server_error` entry and sends it again.
    second = sync(client, phone.token, [envelope]).json()["results"][0]

    assert second["status"] == "stored"
    assert run(Entry.count().where(Entry.id == uuid.UUID(envelope["id"]))) == 1
    assert events("create_entry", envelope["id"]) == 1
    if entry_type == "case_intake":
        assert run(Case.count()) == 1
        assert events("open_case", second["case_code"]) == 1
