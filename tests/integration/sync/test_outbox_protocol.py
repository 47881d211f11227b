"""The outbox protocol, as a state machine: any interleaving of saves, sends, requests that
never arrive, answers that never come back, deliberate resends and server restarts ends with
the server holding every saved entry exactly once, byte for byte, and the phone's outbox
empty of everything the server accepted.

The model of the phone follows `web/static/js/sync.js`: an envelope leaves the outbox only
when the server answered `stored` or `duplicate`; `rejected` and `conflict` stay (marked,
no longer sent automatically). Everything else is real: envelopes sealed with RSA-OAEP and
AES-GCM, the real app behind `/api/v1/sync`, the real database (SQLite or PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from litestar.testing import TestClient

from server.app import create_app
from server.entries.tables import Entry
from tests.integration.sync.conftest import phone_for
from tests.support.database import truncate_all
from tests.support.entries import plaintext, sealed_envelope, sync
from tests.support.run import run

ACCEPTED = ("stored", "duplicate")
CASELESS = ("training", "supervision", "systemic_problem")


@dataclass
class Item:
    """One outbox record: the envelope and the state sync.js gives it."""

    envelope: dict
    valid: bool
    state: str = "waiting"  # waiting, rejected, conflict


def server_rows() -> list[dict]:
    return run(
        Entry.select(Entry.id, Entry.envelope_kid, Entry.wrapped_key, Entry.iv, Entry.ciphertext)
    )


def new_client() -> TestClient:
    client = TestClient(app=create_app(), base_url="http://127.0.0.1:8000")
    client.__enter__()
    return client


class OutboxProtocol(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example starts from empty tables (the autouse fixture runs once per test).
        run(truncate_all())
        self.client = new_client()
        self.phone = phone_for(self.client, "cora", role="coordinator", team="Team North")
        self.saved: dict[str, dict] = {}  # every valid envelope ever saved, by id
        self.outbox: dict[str, Item] = {}  # insertion-ordered, as IndexedDB's key order is not
        self.acknowledged: set[str] = set()  # ids the phone saw `stored`/`duplicate` for
        self.on_server: set[str] = set()  # ids the model knows the server has

    def teardown(self) -> None:
        try:
            self.drain()
            self.check_final_state()
        finally:
            self.client.__exit__(None, None, None)

    # --- the phone ----------------------------------------------------------------------------

    @rule(entry_type=st.sampled_from(CASELESS), words=st.text("abcșțăжы ", max_size=20))
    def save(self, entry_type: str, words: str) -> None:
        """Save on the phone: seal a real envelope and put it in the outbox."""
        fields = {"notes": words}
        if entry_type != "systemic_problem":
            fields["topic"] = "Topic " + words
        envelope = sealed_envelope(plaintext(entry_type, None, **fields))
        self.saved[envelope["id"]] = envelope
        self.outbox[envelope["id"]] = Item(envelope, valid=True)

    @rule()
    def save_invalid(self) -> None:
        """An entry the server refuses (the schema has no such audience): it stays rejected."""
        envelope = sealed_envelope(plaintext("training", None, audience="nobody"))
        self.outbox[envelope["id"]] = Item(envelope, valid=False)

    def waiting(self) -> list[str]:
        return [entry_id for entry_id, item in self.outbox.items() if item.state == "waiting"]

    def draw_batch(self, data: st.DataObject) -> list[str]:
        """A non-empty subset of what is waiting, in any order."""
        waiting = self.waiting()
        size = data.draw(st.integers(1, len(waiting)), label="batch size")
        return data.draw(st.permutations(waiting), label="batch order")[:size]

    def post(self, ids: list[str]) -> list[dict]:
        """Send the batch and check every answer against what the server already held."""
        envelopes = [self.outbox[entry_id].envelope for entry_id in ids]
        response = sync(self.client, self.phone.token, envelopes)
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [result["id"] for result in results] == ids
        for entry_id, result in zip(ids, results, strict=True):
            if self.outbox[entry_id].valid:
                expected = "duplicate" if entry_id in self.on_server else "stored"
                assert result["status"] == expected, result
                self.on_server.add(entry_id)
            else:
                assert result["status"] == "rejected", result
                assert result["error"]["code"] == "schema_violation", result
        return results

    @precondition(lambda self: self.waiting())
    @rule(data=st.data())
    def send(self, data: st.DataObject) -> None:
        """A sync that goes through: the answers decide what leaves the outbox."""
        ids = self.draw_batch(data)
        for entry_id, result in zip(ids, self.post(ids), strict=True):
            if result["status"] in ACCEPTED:
                del self.outbox[entry_id]
                self.acknowledged.add(entry_id)
            else:
                self.outbox[entry_id].state = (
                    "conflict" if result["status"] == "conflict" else ("rejected")
                )

    @precondition(lambda self: self.waiting())
    @rule(data=st.data())
    def request_dropped(self, data: st.DataObject) -> None:
        """The request dies on the way (no signal): the server sees nothing, nothing changes."""
        self.draw_batch(data)

    @precondition(lambda self: self.waiting())
    @rule(data=st.data())
    def answer_lost(self, data: st.DataObject) -> None:
        """The server stores the batch but the answer never reaches the phone: the outbox keeps
        everything and will send it again."""
        self.post(self.draw_batch(data))

    @precondition(lambda self: self.acknowledged)
    @rule(data=st.data())
    def resend_acknowledged(self, data: st.DataObject) -> None:
        """A deliberate resend of something already acknowledged (an old copy of the outbox,
        a second tab): the server says `duplicate` and stores nothing new."""
        entry_id = data.draw(st.sampled_from(sorted(self.acknowledged)), label="resend")
        [result] = sync(self.client, self.phone.token, [self.saved[entry_id]]).json()["results"]
        assert result == {"id": entry_id, "status": "duplicate"}

    @rule()
    def restart_server(self) -> None:
        """The server process goes away and a new one starts over the same database."""
        self.client.__exit__(None, None, None)
        self.client = new_client()

    # --- what must always hold ----------------------------------------------------------------

    @invariant()
    def server_holds_only_saved_entries_once(self) -> None:
        rows = server_rows()
        ids = [str(row["id"]) for row in rows]
        assert len(ids) == len(set(ids)), "an entry is stored twice"
        assert set(ids) <= set(self.saved), "the server holds an entry that was never saved"
        assert set(ids) == self.on_server
        for row in rows:
            envelope = self.saved[str(row["id"])]
            assert row["envelope_kid"] == envelope["kid"]
            assert row["wrapped_key"] == envelope["wrapped_key"]
            assert row["iv"] == envelope["iv"]
            assert row["ciphertext"] == envelope["ciphertext"]

    @invariant()
    def nothing_acknowledged_is_still_queued(self) -> None:
        assert not self.acknowledged & set(self.outbox)
        # Nothing saved is lost: each saved entry is either on its way or on the server.
        for entry_id in self.saved:
            assert entry_id in self.outbox or entry_id in self.on_server

    # --- the end ------------------------------------------------------------------------------

    def drain(self) -> None:
        """Back in signal for good: sync.js sends what waits until nothing does."""
        while self.waiting():
            ids = self.waiting()[:100]
            for entry_id, result in zip(ids, self.post(ids), strict=True):
                if result["status"] in ACCEPTED:
                    del self.outbox[entry_id]
                    self.acknowledged.add(entry_id)
                else:
                    self.outbox[entry_id].state = "rejected"

    def check_final_state(self) -> None:
        rows = server_rows()
        assert sorted(str(row["id"]) for row in rows) == sorted(self.saved)
        by_id = {str(row["id"]): row for row in rows}
        for entry_id, envelope in self.saved.items():
            row = by_id[entry_id]
            assert (row["envelope_kid"], row["wrapped_key"], row["iv"], row["ciphertext"]) == (
                envelope["kid"],
                envelope["wrapped_key"],
                envelope["iv"],
                envelope["ciphertext"],
            )
        # The outbox keeps only what the server refused, for the person to see and fix.
        assert all(not item.valid and item.state == "rejected" for item in self.outbox.values())
        assert not set(self.outbox) & set(self.saved)


PROTOCOL_SETTINGS = settings(
    max_examples=15,
    stateful_step_count=10,
    deadline=None,
    derandomize=True,  # the same interleavings on every run, so CI is reproducible
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_any_interleaving_ends_with_every_saved_entry_on_the_server_once() -> None:
    run_state_machine_as_test(OutboxProtocol, settings=PROTOCOL_SETTINGS)
