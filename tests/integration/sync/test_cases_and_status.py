"""Case intake gives the case its code; later entries name it by UUID or code; a device
asks after its own entries only."""

from __future__ import annotations

import uuid

from litestar.testing import TestClient

from server.cases.tables import Case
from server.devices.services import register_device
from server.entries.tables import Entry
from tests.integration.sync.conftest import Phone, phone_for
from tests.support.accounts import make_user
from tests.support.entries import bearer, new_id, plaintext, sealed_envelope, submit, sync
from tests.support.run import run


def intake_via(client: TestClient, token: str, **kwargs) -> tuple[dict, dict]:
    entry = plaintext("case_intake", **kwargs)
    envelope = sealed_envelope(entry)
    [result] = sync(client, token, [envelope]).json()["results"]
    assert result["status"] == "stored", result
    return entry, result


def test_moldova_intakes_get_md_codes_in_sequence(client: TestClient, phone: Phone) -> None:
    first_entry, first = intake_via(client, phone.token)
    _second_entry, second = intake_via(client, phone.token)
    assert first["case_code"] == "MD-2025-0001"
    assert second["case_code"] == "MD-2025-0002"
    row = run(Case.select().where(Case.id == uuid.UUID(first_entry["case"])).first())
    assert row["code"] == "MD-2025-0001"
    assert str(row["intake_entry"]) == first["id"]
    assert row["assigned_to"] == phone.user_id
    assert row["status"] == "open"


def test_the_year_of_the_code_is_the_year_the_intake_happened(
    client: TestClient, phone: Phone
) -> None:
    _e, result = intake_via(client, phone.token, occurred_at="2026-01-02T08:00:00+02:00")
    assert result["case_code"] == "MD-2026-0001"
    _e, result = intake_via(client, phone.token)
    assert result["case_code"] == "MD-2025-0001"


def test_a_kosovo_team_gets_xk_codes(client: TestClient) -> None:
    device = phone_for(client, "arta", team="Ekipi Prishtinë", country="XK", regions=("Prishtinë",))
    _e, first = intake_via(client, device.token, region="Prishtinë")
    _e, second = intake_via(client, device.token, region="Prishtinë")
    assert first["case_code"] == "XK-2025-0001"
    assert second["case_code"] == "XK-2025-0002"


def test_the_countries_number_independently(client: TestClient, phone: Phone) -> None:
    kosovo = make_user("arta", team="Ekipi Prishtinë", country="XK", regions=("Prishtinë",))
    assert (
        submit(kosovo, plaintext("case_intake", region="Prishtinë"))["case_code"] == "XK-2025-0001"
    )
    _e, result = intake_via(client, phone.token)
    assert result["case_code"] == "MD-2025-0001"
    assert (
        submit(kosovo, plaintext("case_intake", region="Prishtinë"))["case_code"] == "XK-2025-0002"
    )


def test_later_entries_name_the_case_by_uuid_or_code(client: TestClient, phone: Phone) -> None:
    entry, result = intake_via(client, phone.token)
    case_id, code = entry["case"], result["case_code"]
    batch = [
        sealed_envelope(plaintext("visit", case_id)),
        sealed_envelope(plaintext("visit", code)),
        sealed_envelope(plaintext("referral", code, follow_up_on="2025-08-01")),
        sealed_envelope(
            plaintext("accompaniment", case_id, next_hearing_at="2025-09-01T09:00:00+03:00")
        ),
        sealed_envelope(plaintext("risk_assessment", code)),
        sealed_envelope(plaintext("systemic_problem", None, linked_cases=[code, case_id])),
    ]
    results = sync(client, phone.token, batch).json()["results"]
    assert [r["status"] for r in results] == ["stored"] * len(batch), results
    linked = run(Entry.select(Entry.id, Entry.case).where(Entry.type != "systemic_problem"))
    assert {str(row["case"]) for row in linked} == {case_id}


def test_an_entry_may_use_the_new_case_uuid_in_the_same_batch_before_knowing_the_code(
    client: TestClient, phone: Phone
) -> None:
    intake = plaintext("case_intake")
    visit = plaintext("visit", intake["case"])
    results = sync(client, phone.token, [sealed_envelope(intake), sealed_envelope(visit)]).json()[
        "results"
    ]
    assert [r["status"] for r in results] == ["stored", "stored"]
    assert results[0]["case_code"] == "MD-2025-0001"
    assert "case_code" not in results[1]


def test_an_entry_sent_before_its_intake_arrives_is_unknown_case(
    client: TestClient, phone: Phone
) -> None:
    # In a batch before the intake's (within one batch order does not matter:
    # test_intake_waiting.py).
    intake = plaintext("case_intake")
    visit = plaintext("visit", intake["case"])
    results = sync(client, phone.token, [sealed_envelope(visit)]).json()["results"]
    results += sync(client, phone.token, [sealed_envelope(intake)]).json()["results"]
    assert [r["status"] for r in results] == ["rejected", "stored"]
    assert results[0]["error"]["code"] == "unknown_case"


# --- GET /api/v1/entries/status ------------------------------------------------------------


def status(client: TestClient, token: str, ids: list[str]) -> dict:
    response = client.get(
        "/api/v1/entries/status", params={"ids": ",".join(ids)}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_status_answers_submitted_for_this_device_s_own_entries(
    client: TestClient, phone: Phone
) -> None:
    envelopes = [sealed_envelope(plaintext("training", None)) for _ in range(3)]
    sync(client, phone.token, envelopes)
    ids = [e["id"] for e in envelopes]
    assert status(client, phone.token, ids) == dict.fromkeys(ids, "submitted")


def test_status_follows_the_supervisor_s_decision(client: TestClient, phone: Phone) -> None:
    approved, returned = (sealed_envelope(plaintext("training", None)) for _ in range(2))
    sync(client, phone.token, [approved, returned])
    run(Entry.update({Entry.status: "approved"}).where(Entry.id == uuid.UUID(approved["id"])))
    run(Entry.update({Entry.status: "returned"}).where(Entry.id == uuid.UUID(returned["id"])))
    assert status(client, phone.token, [approved["id"], returned["id"]]) == {
        approved["id"]: "approved",
        returned["id"]: "returned",
    }


def test_status_is_unknown_for_other_devices_entries(client: TestClient, phone: Phone) -> None:
    # Another user's device, and another device of the same user.
    stranger = make_user("sam")
    _device, stranger_token = run(register_device(stranger, "Sam's phone"))
    _device, second_token = run(register_device(phone.user_id, "Cora's tablet"))
    theirs = sealed_envelope(plaintext("training", None))
    assert sync(client, stranger_token, [theirs]).json()["results"][0]["status"] == "stored"
    from_tablet = sealed_envelope(plaintext("training", None))
    assert sync(client, second_token, [from_tablet]).json()["results"][0]["status"] == "stored"
    # Stored without any device (written on the server).
    no_device = submit(phone.user_id, plaintext("training", None))
    mine = sealed_envelope(plaintext("training", None))
    sync(client, phone.token, [mine])

    ids = [theirs["id"], from_tablet["id"], no_device["id"], mine["id"]]
    assert status(client, phone.token, ids) == {
        theirs["id"]: "unknown",
        from_tablet["id"]: "unknown",
        no_device["id"]: "unknown",
        mine["id"]: "submitted",
    }
    assert status(client, stranger_token, ids)[theirs["id"]] == "submitted"
    assert status(client, stranger_token, ids)[mine["id"]] == "unknown"


def test_status_is_unknown_for_garbage_and_never_stored_ids(
    client: TestClient, phone: Phone
) -> None:
    mine = sealed_envelope(plaintext("training", None))
    sync(client, phone.token, [mine])
    garbage = ["not-a-uuid", "12", "'; DROP TABLE entry; --", "MD-2025-0001", new_id()]
    answer = status(client, phone.token, [*garbage, mine["id"]])
    assert answer == {**dict.fromkeys(garbage, "unknown"), mine["id"]: "submitted"}


def test_status_answers_exactly_the_ids_asked(client: TestClient, phone: Phone) -> None:
    mine = sealed_envelope(plaintext("training", None))
    sync(client, phone.token, [mine])
    upper = mine["id"].upper()
    # Another spelling of a stored id answers under that spelling, and adds no other key.
    assert status(client, phone.token, [upper]) == {upper: "submitted"}
    assert status(client, phone.token, [f" {mine['id']} "]) == {mine["id"]: "submitted"}
    assert status(client, phone.token, [mine["id"], upper]) == {
        mine["id"]: "submitted",
        upper: "submitted",
    }


def test_status_without_ids_is_empty(client: TestClient, phone: Phone) -> None:
    response = client.get("/api/v1/entries/status", headers=bearer(phone.token))
    assert response.status_code == 200
    assert response.json() == {}
    assert status(client, phone.token, [""]) == {}


def test_status_of_a_rejected_entry_is_unknown(client: TestClient, phone: Phone) -> None:
    bad = sealed_envelope(plaintext("training", None, audience="aliens"))
    assert sync(client, phone.token, [bad]).json()["results"][0]["status"] == "rejected"
    assert status(client, phone.token, [bad["id"]]) == {bad["id"]: "unknown"}


def test_status_needs_a_device_token_not_a_session(client: TestClient, phone: Phone) -> None:
    # `client` is logged in as the device's user: the session alone is not enough.
    response = client.get("/api/v1/entries/status", params={"ids": new_id()})
    assert response.status_code == 401
