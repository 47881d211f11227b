"""Many phones opening cases at the same moment, as `bench/field_load.py` does: every intake
gets a code (none is answered `busy`, which left the entries about its case after it in the
batch refused for good as `unknown_case`), and a copy of an intake that arrives while the
first is being stored is a `duplicate`, never `case_exists` (which the phone keeps as
failed)."""

from __future__ import annotations

import asyncio

from server.accounts.sessions import load_user
from server.cases.tables import Case
from server.entries.services import store_entry
from server.entries.tables import Entry
from server.sync.services import ingest_batch, open_and_validate
from tests.support.accounts import make_user
from tests.support.entries import plaintext, sealed_envelope
from tests.support.run import run

INTAKES = 24


def test_many_intakes_at_once_each_get_a_code() -> None:
    # Fails on PostgreSQL without the advisory lock of assign_new_code: all of them read the
    # same highest code, and after five refusals of the unique column most are `busy`.
    users = [make_user(f"coordinator{n}") for n in range(4)]
    envelopes = [sealed_envelope(plaintext("case_intake")) for _ in range(INTAKES)]

    async def together() -> list[list[dict]]:
        return await asyncio.gather(
            *(
                ingest_batch([envelope], users[n % len(users)], None)
                for n, envelope in enumerate(envelopes)
            )
        )

    outcomes = run(together())
    assert [batch[0]["status"] for batch in outcomes] == ["stored"] * INTAKES, outcomes
    codes = sorted(batch[0]["case_code"] for batch in outcomes)
    assert codes == [f"MD-2025-{n:04d}" for n in range(1, INTAKES + 1)]
    assert run(Case.count()) == INTAKES


def test_a_copy_of_an_intake_that_passed_the_retry_check_before_the_first_was_stored() -> None:
    # The interleaving of two processes serving the same intake (the phone retried while the
    # first request was still being served): the second looked for the entry before the
    # first stored it, and stores after it did.
    user_id = make_user("cora")
    envelope = sealed_envelope(plaintext("case_intake"))
    first = run(ingest_batch([envelope], user_id, None))[0]
    assert first["status"] == "stored"

    opened = open_and_validate(envelope)
    second = run(store_entry(opened.envelope, opened.plaintext, run(load_user(user_id)), None))

    assert (second.status, second.case_code) == ("duplicate", first["case_code"])
    assert run(Case.count()) == 1
    assert run(Entry.count()) == 1
