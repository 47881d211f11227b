"""The entry id is the idempotency key: a retry is `duplicate`, other bytes under a known
id are a `conflict` that leaves the stored entry alone, and concurrent copies store once."""

from __future__ import annotations

import asyncio
import uuid

from litestar.testing import TestClient

from server.cases.tables import Case
from server.entries.services import ENVELOPE_COLUMNS, open_entry
from server.entries.tables import Entry
from server.sync.services import ingest_batch
from tests.integration.sync.conftest import Phone
from tests.support.accounts import make_user
from tests.support.entries import new_id, plaintext, sealed_envelope, sync
from tests.support.run import run


def stored_row(entry_id: str) -> dict:
    return run(
        Entry.select(*ENVELOPE_COLUMNS, Entry.digest).where(Entry.id == uuid.UUID(entry_id)).first()
    )


def test_the_same_envelope_twice_is_stored_then_duplicate(client: TestClient, phone: Phone) -> None:
    envelope = sealed_envelope(plaintext("training", None, topic="Once"))
    first = sync(client, phone.token, [envelope]).json()["results"]
    second = sync(client, phone.token, [envelope]).json()["results"]
    assert first == [{"id": envelope["id"], "status": "stored"}]
    assert second == [{"id": envelope["id"], "status": "duplicate"}]
    assert run(Entry.count()) == 1


def test_a_duplicate_within_one_batch(client: TestClient, phone: Phone) -> None:
    envelope = sealed_envelope(plaintext("training", None))
    results = sync(client, phone.token, [envelope, envelope]).json()["results"]
    assert [r["status"] for r in results] == ["stored", "duplicate"]


def test_the_json_layout_does_not_make_a_conflict(client: TestClient, phone: Phone) -> None:
    envelope = sealed_envelope(plaintext("training", None))
    sync(client, phone.token, [envelope])
    reordered = dict(reversed(list(envelope.items())))
    assert sync(client, phone.token, [reordered]).json()["results"][0]["status"] == "duplicate"


def test_same_id_different_bytes_is_a_conflict_and_the_stored_one_stays(
    client: TestClient, phone: Phone
) -> None:
    entry_id = new_id()
    original = plaintext("training", None, topic="The original")
    first = sealed_envelope(original, entry_id)
    assert sync(client, phone.token, [first]).json()["results"][0]["status"] == "stored"
    before = stored_row(entry_id)

    # A different entry under the same id, properly sealed (it would be valid on its own).
    impostor = sealed_envelope(plaintext("training", None, topic="The impostor"), entry_id)
    # The same plaintext sealed again: new key and IV, so other bytes too.
    resealed = sealed_envelope(original, entry_id)
    # And garbage under the same id.
    garbage = dict(first, ciphertext=first["ciphertext"][::-1])
    for other in (impostor, resealed, garbage):
        [result] = sync(client, phone.token, [other]).json()["results"]
        assert result == {"id": entry_id, "status": "conflict"}

    after = stored_row(entry_id)
    assert after == before
    assert after["ciphertext"] == first["ciphertext"]
    assert open_entry(after)["fields"]["topic"] == "The original"
    assert run(Entry.count()) == 1
    # The original is still a duplicate, not a conflict.
    assert sync(client, phone.token, [first]).json()["results"][0]["status"] == "duplicate"


def test_a_rejected_entry_may_be_sent_again_once_fixed(client: TestClient, phone: Phone) -> None:
    entry_id = new_id()
    bad = sealed_envelope(plaintext("training", None, audience="nobody"), entry_id)
    assert sync(client, phone.token, [bad]).json()["results"][0]["status"] == "rejected"
    good = sealed_envelope(plaintext("training", None), entry_id)
    assert sync(client, phone.token, [good]).json()["results"][0]["status"] == "stored"


def test_a_retried_intake_still_learns_its_case_code(client: TestClient, phone: Phone) -> None:
    # The phone lost the first answer (the usual reason for a retry): the retry's answer is
    # its only chance to learn the code.
    envelope = sealed_envelope(plaintext("case_intake"))
    first = sync(client, phone.token, [envelope]).json()["results"][0]
    second = sync(client, phone.token, [envelope]).json()["results"][0]
    assert first["status"] == "stored"
    assert second["status"] == "duplicate"
    assert second["case_code"] == first["case_code"]


def gather_ingest(batches: list[list[dict]], user_ids: list[int]) -> list[list[dict]]:
    async def together() -> list[list[dict]]:
        return await asyncio.gather(
            *(
                ingest_batch(batch, user_id, None)
                for batch, user_id in zip(batches, user_ids, strict=True)
            )
        )

    return run(together())


def test_concurrent_copies_of_one_envelope_store_once() -> None:
    user_id = make_user("cora")
    envelope = sealed_envelope(plaintext("training", None, topic="Raced"))
    outcomes = gather_ingest([[envelope]] * 8, [user_id] * 8)
    statuses = sorted(batch[0]["status"] for batch in outcomes)
    assert statuses == ["duplicate"] * 7 + ["stored"], outcomes
    assert run(Entry.count()) == 1
    assert run(Entry.count().where(Entry.id == uuid.UUID(envelope["id"]))) == 1


def test_concurrent_copies_of_one_intake_open_one_case() -> None:
    user_id = make_user("cora")
    envelope = sealed_envelope(plaintext("case_intake"))
    outcomes = gather_ingest([[envelope]] * 8, [user_id] * 8)
    statuses = sorted(batch[0]["status"] for batch in outcomes)
    assert statuses == ["duplicate"] * 7 + ["stored"], outcomes
    assert run(Entry.count()) == 1
    assert run(Case.count()) == 1


def test_concurrent_intakes_of_different_cases_get_distinct_codes() -> None:
    user_id = make_user("cora")
    first = sealed_envelope(plaintext("case_intake"))
    second = sealed_envelope(plaintext("case_intake"))
    outcomes = gather_ingest([[first], [second]], [user_id, user_id])
    assert [batch[0]["status"] for batch in outcomes] == ["stored", "stored"], outcomes
    codes = {batch[0]["case_code"] for batch in outcomes}
    assert codes == {"MD-2025-0001", "MD-2025-0002"}
    assert sorted(row["code"] for row in run(Case.select(Case.code))) == sorted(codes)


def test_many_concurrent_intakes_of_two_teams_get_distinct_codes() -> None:
    cora = make_user("cora")
    sam = make_user("sam", team="Team South", regions=("South",))
    envelopes = [sealed_envelope(plaintext("case_intake")) for _ in range(6)]
    outcomes = gather_ingest([[e] for e in envelopes], [cora, sam] * 3)
    assert [batch[0]["status"] for batch in outcomes] == ["stored"] * 6, outcomes
    codes = [batch[0]["case_code"] for batch in outcomes]
    assert sorted(codes) == [f"MD-2025-{n:04d}" for n in range(1, 7)]


def test_concurrent_intakes_of_the_same_new_case_under_different_ids() -> None:
    # Two phones cannot make the same UUID, but a buggy client can: one case, one refusal.
    user_id = make_user("cora")
    intake = plaintext("case_intake")
    first, second = sealed_envelope(intake), sealed_envelope(intake)
    outcomes = gather_ingest([[first], [second]], [user_id, user_id])
    results = sorted(
        (batch[0]["status"], batch[0].get("error", {}).get("code")) for batch in outcomes
    )
    assert results == [("rejected", "case_exists"), ("stored", None)], outcomes
    assert run(Case.count()) == 1
    assert run(Entry.count()) == 1
