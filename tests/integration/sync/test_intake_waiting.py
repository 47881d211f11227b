"""Entries that wait for another entry of their batch: a case opened offline is sent as its
intake followed by the visits about it. When the intake gets an answer the phone sends
again (`busy`, `server_error`), the visits are answered `busy` too, saying what they wait
for — not `unknown_case`, which the phone keeps as failed for good. An entry that comes
before its intake in the batch is stored all the same.

The intake fails here through the database itself: a trigger refuses the insert as the
unique column does when two intakes take the same case code, which store_entry retries five
times and then answers `busy`. It sits below everything under test (sync, store_entry)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from litestar.testing import TestClient
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

from server.cases.tables import Case
from server.entries.tables import Entry
from tests.integration.sync.conftest import Phone
from tests.support.accounts import make_user
from tests.support.entries import new_id, plaintext, sealed_envelope, submit, sync
from tests.support.run import run

TRIGGER = "refuse_for_the_test"


async def _create_refusal(table: str, condition: str) -> None:
    engine = engine_finder()
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl(
            f"CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF {condition} THEN RAISE unique_violation USING MESSAGE = 'refused'; END IF; "
            "RETURN NEW; END $$"
        )
        await engine.run_ddl(
            f'CREATE TRIGGER {TRIGGER} BEFORE INSERT ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()"
        )
    else:
        # RAISE(ABORT) is SQLITE_CONSTRAINT: sqlite3.IntegrityError, as a unique violation.
        await engine.run_ddl(
            f'CREATE TRIGGER {TRIGGER} BEFORE INSERT ON "{table}" WHEN {condition} '
            "BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: refused'); END"
        )


async def _drop_refusal(table: str) -> None:
    engine = engine_finder()
    await engine.run_ddl(
        f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"'
        if isinstance(engine, PostgresEngine)
        else f"DROP TRIGGER IF EXISTS {TRIGGER}"
    )
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl(f"DROP FUNCTION IF EXISTS {TRIGGER}()")


@pytest.fixture
def refuse_inserts() -> Iterator[Callable[..., Callable[[], None]]]:
    """`refuse_inserts(table, condition)` makes the database refuse matching inserts into
    that table as a unique violation; it returns what lifts the refusal (done at the end of
    the test in any case)."""
    made: list[str] = []

    def refuse(table: str, condition: str = "TRUE") -> Callable[[], None]:
        run(_create_refusal(table, condition))
        made.append(table)
        return lambda: run(_drop_refusal(made.pop()))

    yield refuse
    for table in made:
        run(_drop_refusal(table))


def entries_stored(envelopes: list[dict]) -> list[int]:
    return [run(Entry.count().where(Entry.id == uuid.UUID(e["id"]))) for e in envelopes]


def results_of(client: TestClient, phone: Phone, envelopes: list[dict]) -> list[dict]:
    response = sync(client, phone.token, envelopes)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_visits_wait_for_an_intake_answered_busy_and_are_stored_once_on_the_retry(
    client: TestClient, phone: Phone, refuse_inserts: Callable
) -> None:
    intake = plaintext("case_intake")
    visits = [plaintext("visit", intake["case"]) for _ in range(2)]
    batch = [sealed_envelope(intake), *(sealed_envelope(v) for v in visits)]
    lift = refuse_inserts(Case._meta.tablename)

    first = results_of(client, phone, batch)

    assert first[0]["status"] == "rejected" and first[0]["error"]["code"] == "busy"
    assert "reason" not in first[0]
    for envelope, result in zip(batch[1:], first[1:], strict=True):
        assert result["id"] == envelope["id"]
        assert result["status"] == "rejected"
        assert result["error"]["code"] == "busy" and result["error"]["message"]
        assert result["reason"] == "case_intake_waiting"
        assert result["waits_for"] == batch[0]["id"]
    assert entries_stored(batch) == [0, 0, 0]

    lift()
    second = results_of(client, phone, batch)
    assert [r["status"] for r in second] == ["stored"] * 3, second
    assert second[0]["case_code"] == "MD-2025-0001"
    assert all("reason" not in r for r in second)
    # A third send (the phone lost the answer) stores nothing again.
    assert [r["status"] for r in results_of(client, phone, batch)] == ["duplicate"] * 3
    assert entries_stored(batch) == [1, 1, 1]
    assert run(Case.count()) == 1


def test_visits_wait_for_an_intake_that_met_a_server_error(
    client: TestClient, phone: Phone, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fault is injected below store_entry: the insert of the new case fails as a lost
    # database connection would.
    import server.entries.services as entry_services

    def connection_lost(*args: object, **kwargs: object) -> None:
        raise ConnectionResetError("the database went away")

    monkeypatch.setattr(entry_services, "create_case_from_intake", connection_lost)
    intake = plaintext("case_intake")
    batch = [sealed_envelope(intake), sealed_envelope(plaintext("accompaniment", intake["case"]))]

    results = results_of(client, phone, batch)

    assert results[0]["error"]["code"] == "server_error"
    assert (results[1]["status"], results[1]["error"]["code"]) == ("rejected", "busy")
    assert (results[1]["reason"], results[1]["waits_for"]) == (
        "case_intake_waiting",
        batch[0]["id"],
    )


def test_an_entry_before_its_intake_in_the_batch_is_stored(
    client: TestClient, phone: Phone
) -> None:
    intake = plaintext("case_intake")
    visit = sealed_envelope(plaintext("visit", intake["case"]))
    batch = [visit, sealed_envelope(intake)]

    results = results_of(client, phone, batch)

    assert results[0] == {"id": visit["id"], "status": "stored"}
    assert results[1]["status"] == "stored" and results[1]["case_code"] == "MD-2025-0001"
    assert entries_stored(batch) == [1, 1]


def test_an_entry_before_its_intake_answered_busy_waits_for_it(
    client: TestClient, phone: Phone, refuse_inserts: Callable
) -> None:
    intake = plaintext("case_intake")
    batch = [sealed_envelope(plaintext("visit", intake["case"])), sealed_envelope(intake)]
    refuse_inserts(Case._meta.tablename)

    results = results_of(client, phone, batch)

    assert results[0]["reason"] == "case_intake_waiting"
    assert results[0]["waits_for"] == batch[1]["id"]
    assert results[1]["error"]["code"] == "busy"


def test_a_chain_of_corrections_sent_backwards_is_stored(client: TestClient, phone: Phone) -> None:
    intake = plaintext("case_intake")
    visit = plaintext("visit", intake["case"])
    visit_id = new_id()
    correction_id = new_id()
    correction = plaintext("visit", intake["case"], revises=visit_id, notes="corrected")
    second = plaintext("visit", intake["case"], revises=correction_id, notes="again")
    batch = [
        sealed_envelope(second),
        sealed_envelope(correction, correction_id),
        sealed_envelope(visit, visit_id),
        sealed_envelope(intake),
    ]

    results = results_of(client, phone, batch)

    assert [r["status"] for r in results] == ["stored"] * 4, results
    assert entries_stored(batch) == [1, 1, 1, 1]


def test_a_correction_of_an_entry_answered_busy_waits_for_it(
    client: TestClient, phone: Phone, refuse_inserts: Callable
) -> None:
    intake = plaintext("case_intake")
    visit_id = new_id()
    visit = sealed_envelope(plaintext("visit", intake["case"]), visit_id)
    correction = sealed_envelope(
        plaintext("visit", intake["case"], revises=visit_id, notes="corrected")
    )
    # The first version of the visit cannot be written; the intake and the correction could.
    refuse_inserts(Entry._meta.tablename, "NEW.type = 'visit' AND NEW.revises IS NULL")

    results = results_of(client, phone, [sealed_envelope(intake), visit, correction])

    assert results[0]["status"] == "stored"
    assert results[1]["error"]["code"] == "busy" and "reason" not in results[1]
    assert (results[2]["status"], results[2]["error"]["code"]) == ("rejected", "busy")
    assert (results[2]["reason"], results[2]["waits_for"]) == ("entry_waiting", visit_id)


# --- Near misses: what is refused for good stays refused ------------------------------------


def test_an_entry_for_a_case_nobody_opened_is_still_unknown_case(
    client: TestClient, phone: Phone, refuse_inserts: Callable
) -> None:
    intake = plaintext("case_intake")
    stray = plaintext("visit", new_id())  # no intake in the batch, none stored
    batch = [sealed_envelope(intake), sealed_envelope(stray)]
    refuse_inserts(Case._meta.tablename)

    results = results_of(client, phone, batch)

    assert results[0]["error"]["code"] == "busy"
    assert results[1]["error"]["code"] == "unknown_case"
    assert "reason" not in results[1] and "waits_for" not in results[1]


def test_visits_of_an_intake_refused_for_good_stay_unknown_case(
    client: TestClient, phone: Phone
) -> None:
    # An invalid intake (a required field missing), and one whose case id another team's
    # coordinator took: neither will ever be stored, so the visits about them are not
    # answered as waiting (which the phone would send again forever).
    invalid = plaintext("case_intake")
    del invalid["fields"]["sex"]
    taken = plaintext("case_intake")
    assert submit(make_user("odile", team="Team South"), taken)["status"] == "stored"
    batch = [
        sealed_envelope(invalid),
        sealed_envelope(plaintext("case_intake", taken["case"])),
        sealed_envelope(plaintext("visit", invalid["case"])),
        sealed_envelope(plaintext("visit", taken["case"])),
    ]

    results = results_of(client, phone, batch)

    assert [r["error"]["code"] for r in results] == [
        "schema_violation",
        "case_exists",
        "unknown_case",
        "unknown_case",
    ]
    assert all("reason" not in r and "waits_for" not in r for r in results)
