"""Which entries of a batch wait for which (server.sync.dependencies), without a database."""

from __future__ import annotations

from server.sync.dependencies import (
    Dependency,
    batch_dependencies,
    is_retryable,
    settling_order,
    waited_for,
    waiting_result,
)
from tests.support.entries import new_id, plaintext


def test_an_entry_needs_the_intake_of_its_case_and_the_entry_it_revises() -> None:
    intake = plaintext("case_intake")
    visit_id, linked_intake = new_id(), plaintext("case_intake")
    batch = [
        (new_id(), plaintext("visit", intake["case"].upper())),  # case ids in any letter case
        (new_id(), intake),
        (visit_id, plaintext("visit", intake["case"])),
        (new_id(), plaintext("visit", intake["case"], revises=visit_id)),
        None,  # could not be opened
        (new_id(), plaintext("visit", new_id())),  # a case the batch does not open
        (new_id(), linked_intake),
        (new_id(), plaintext("visit", intake["case"], linked_cases=[linked_intake["case"]])),
    ]

    needs = batch_dependencies(batch)

    assert needs[0] == [Dependency(1, "unknown_case", "case_intake_waiting")]
    assert 1 not in needs and 5 not in needs and 6 not in needs
    assert needs[3] == [
        Dependency(1, "unknown_case", "case_intake_waiting"),
        Dependency(2, "unknown_revision", "entry_waiting"),
    ]
    assert needs[7] == [
        Dependency(1, "unknown_case", "case_intake_waiting"),
        Dependency(6, "unknown_case", "case_intake_waiting"),
    ]


def test_what_is_settled_first_is_what_others_need() -> None:
    needs = {
        0: [Dependency(1, "unknown_revision", "entry_waiting")],
        1: [Dependency(2, "unknown_revision", "entry_waiting")],
        2: [Dependency(3, "unknown_case", "case_intake_waiting")],
    }
    assert settling_order({0, 1, 2}, needs) == [2, 1, 0]
    # A cycle cannot be satisfied: it is still settled, each entry once.
    cycle = {0: [Dependency(1, "unknown_revision", "")], 1: [Dependency(0, "unknown_revision", "")]}
    assert sorted(settling_order({0, 1}, cycle)) == [0, 1]


def test_only_the_refusal_a_dependency_explains_is_waited_for() -> None:
    needs = {0: [Dependency(1, "unknown_case", "case_intake_waiting")]}
    refused = {"id": "x", "status": "rejected", "error": {"code": "forbidden", "message": ""}}
    assert waited_for(0, refused, needs) == []
    unknown = {**refused, "error": {"code": "unknown_case", "message": ""}}
    assert waited_for(0, unknown, needs) == needs[0]
    assert waited_for(0, {"id": "x", "status": "stored"}, needs) == []


def test_a_waiting_result_is_one_the_phone_sends_again() -> None:
    result = waiting_result("a", "case_intake_waiting", "b")
    assert is_retryable(result)
    assert (result["status"], result["error"]["code"], result["waits_for"]) == (
        "rejected",
        "busy",
        "b",
    )
    assert not is_retryable({"status": "rejected", "error": {"code": "unknown_case"}})
    assert not is_retryable({"status": "stored"})
