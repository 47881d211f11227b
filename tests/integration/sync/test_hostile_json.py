"""Input that no retry can make valid is refused for good: 400 for a whole body, `rejected`
with a code for one entry. Only a fault of the server itself asks the phone to retry
(`server_error`); deep nesting, NaN, huge numbers, lone surrogates, duplicate keys and
look-alike integers never do. Fuzzed with Hypothesis, as the HTTP body and as sealed
plaintext."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from server.entries.tables import Entry
from server.sealing.envelope import seal
from server.sealing.keys import key_ring
from server.sync.services import ECHOED_ID_MAX
from tests.integration.sync.conftest import Phone
from tests.support.entries import bearer, new_id, plaintext, sealed_envelope, sync
from tests.support.run import run

# What the phone may be asked to send again; anything else is final.
RETRY_CODES = {"server_error", "busy"}


def post_body(client: TestClient, phone: Phone, body: bytes):
    return client.post(
        "/api/v1/sync",
        content=body,
        headers={**bearer(phone.token), "Content-Type": "application/json"},
    )


def sealed_bytes(data: bytes, entry_id: str | None = None) -> dict:
    return seal(data, key_ring().current(), entry_id).to_json()


def one_result(response) -> dict:
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    return result


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def training_with(value_json: str) -> bytes:
    """A training entry's plaintext whose `notes` is replaced by raw JSON text."""
    text = json.dumps(plaintext("training", None, notes="@@"))
    return text.replace('"@@"', value_json).encode("utf-8", "surrogatepass")


# --- the whole body ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        ('{"entries": ' + deep(100_000) + "}").encode(),
        ('{"entries": [' + deep(5_000) + "]}").encode(),
        ('{"entries": [' + deep(40) + "]}").encode(),
        b'{"entries": [NaN]}',
        b'{"entries": [Infinity]}',
        b'{"entries": [-Infinity]}',
        b'{"entries": [1e400]}',
        b'{"entries": [' + b"9" * 5000 + b"]}",
        b'{"entries": [{"id": "\\ud800"}]}',
        b'{"entries": [{"\\udfff": 1}]}',
        b'{"entries": [], "entries": [{"id": 1}]}',
    ],
    ids=[
        "deep-100000",
        "deep-5000-inside",
        "deep-40",
        "nan",
        "infinity",
        "minus-infinity",
        "overflowing-float",
        "5000-digit-integer",
        "lone-surrogate-value",
        "lone-surrogate-key",
        "duplicate-key",
    ],
)
def test_a_body_no_retry_can_repair_is_400(client: TestClient, phone: Phone, body: bytes) -> None:
    response = post_body(client, phone, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"
    assert run(Entry.count()) == 0


# --- one entry's sealed content --------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        deep(100_000).encode(),
        training_with(deep(3_000)),
        training_with(deep(40)),
        training_with("NaN"),
        training_with("Infinity"),
        training_with("1e999"),
        training_with("9" * 5000),
        training_with('"\\ud800 and more"'),
        b'{"type": "training", "type": "visit"}',
    ],
    ids=[
        "deep-100000",
        "deep-3000-in-notes",
        "deep-40-in-notes",
        "nan",
        "infinity",
        "overflowing-float",
        "5000-digit-integer",
        "lone-surrogate",
        "duplicate-key",
    ],
)
def test_sealed_content_no_retry_can_repair_is_rejected_for_good(
    client: TestClient, phone: Phone, content: bytes
) -> None:
    good = sealed_envelope(plaintext("training", None, notes="fine"))
    bad = sealed_bytes(content)
    response = sync(client, phone.token, [bad, good])
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert first["id"] == bad["id"]
    assert first["status"] == "rejected", first
    assert first["error"]["code"] not in RETRY_CODES, first
    assert second == {"id": good["id"], "status": "stored"}
    assert run(Entry.count()) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("participants_female", 3.0),
        ("participants_female", True),
        ("participants_female", 1e308),
    ],
)
def test_an_integer_field_takes_only_json_integers(
    client: TestClient, phone: Phone, field: str, value: object
) -> None:
    """JSON Schema's `integer` includes 3.0, and Python's bools are ints: neither is an
    integer of the contract."""
    entry = plaintext("training", None)
    assert isinstance(entry["fields"].get(field), int), "the field is an integer field"
    entry["fields"][field] = value
    result = one_result(sync(client, phone.token, [sealed_envelope(entry)]))
    assert result["status"] == "rejected", result
    assert result["error"]["code"] == "schema_violation"
    assert run(Entry.count()) == 0


@pytest.mark.parametrize("version", [True, 1.0, "1", 1.5, None])
def test_only_the_integer_1_is_envelope_version_1(
    client: TestClient, phone: Phone, version: object
) -> None:
    envelope = sealed_envelope(plaintext("training", None))
    envelope["v"] = version
    result = one_result(sync(client, phone.token, [envelope]))
    assert result["status"] == "rejected", result
    assert result["error"]["code"] == "unsupported_version"
    assert run(Entry.count()) == 0


# --- what is echoed ----------------------------------------------------------------------


def test_a_refused_entry_s_id_is_echoed_only_up_to_a_bounded_length(
    client: TestClient, phone: Phone
) -> None:
    short = "not-a-uuid"
    exactly = "x" * ECHOED_ID_MAX
    huge = "y" * 500_000
    good = sealed_envelope(plaintext("training", None))
    items = [{"id": huge}, {"id": short}, good, {"id": exactly}, {"id": exactly + "z"}, {"id": 7}]
    response = sync(client, phone.token, items)
    assert response.status_code == 200
    results = response.json()["results"]
    # Same order and length as asked; ids echoed only when short enough.
    assert [r["id"] for r in results] == [None, short, good["id"], exactly, None, None]
    assert [r["status"] for r in results] == ["rejected"] * 2 + ["stored"] + ["rejected"] * 3
    assert len(response.content) < 4_000


# --- fuzzing ---------------------------------------------------------------------------------

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


def odd_json(value: object, depth: int) -> bytes:
    """The value as JSON text (NaN and Infinity as Python writes them), wrapped in `depth`
    arrays; surrogates kept as they are, the way a careless client would write them."""
    text = json.dumps(value, allow_nan=True)
    return ("[" * depth + text + "]" * depth).encode("utf-8", "surrogatepass")


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(value=JSON_VALUES, depth=st.sampled_from([0, 1, 30, 2_000, 50_000]))
def test_fuzzed_bodies_are_answered_without_a_server_fault(
    client: TestClient, phone: Phone, value: object, depth: int
) -> None:
    for body in (odd_json(value, depth), b'{"entries": [' + odd_json(value, depth) + b"]}"):
        response = post_body(client, phone, body)
        assert response.status_code in (200, 400, 413), (response.status_code, body[:200])
        if response.status_code == 200:
            for result in response.json()["results"]:
                assert result["status"] == "rejected"
                assert result["error"]["code"] not in RETRY_CODES, result


@FUZZ
@given(
    value=JSON_VALUES,
    depth=st.sampled_from([0, 1, 30, 2_000, 50_000]),
    where=st.sampled_from(["whole", "notes", "fields", "case"]),
)
def test_fuzzed_sealed_plaintext_is_stored_or_rejected_for_good(
    client: TestClient, phone: Phone, value: object, depth: int, where: str
) -> None:
    inner = odd_json(value, depth).decode("utf-8", "surrogatepass")
    if where == "whole":
        content = inner.encode("utf-8", "surrogatepass")
    else:
        entry = plaintext("training", None)
        placeholder = '"@@FUZZ@@"'
        if where == "notes":
            entry["fields"]["notes"] = "@@FUZZ@@"
        elif where == "fields":
            entry["fields"] = "@@FUZZ@@"
        else:
            entry["case"] = "@@FUZZ@@"
        content = json.dumps(entry).replace(placeholder, inner).encode("utf-8", "surrogatepass")
    envelope = sealed_bytes(content, new_id())
    result = one_result(sync(client, phone.token, [envelope]))
    assert result["status"] in ("stored", "rejected"), result
    if result["status"] == "rejected":
        assert result["error"]["code"] not in RETRY_CODES, result


# --- the other JSON bodies of /api/v1 ---------------------------------------------------------

HOSTILE_BODIES = [
    deep(100_000).encode(),
    b'{"name": NaN}',
    b'{"name": "\\ud800"}',
    b'{"name": "a", "name": "b"}',
    b'{"endpoint": 1e400}',
    b"9" * 5000,
]


@pytest.mark.parametrize(
    "path", ["/api/v1/devices", "/api/v1/push/subscriptions", "/api/v1/push/subscriptions/state"]
)
@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=range(len(HOSTILE_BODIES)))
def test_every_api_body_refuses_hostile_json_with_400(
    client: TestClient, phone: Phone, path: str, body: bytes
) -> None:
    response = client.post(
        path,
        content=body,
        headers={"X-CSRFToken": phone.csrf, "Content-Type": "application/json"},
    )
    assert response.status_code == 400, (path, response.status_code, response.text)
    assert response.json()["error"]["code"] == "bad_request"


def test_entry_status_answers_odd_ids_without_a_fault(client: TestClient, phone: Phone) -> None:
    odd = ["%ED%A0%80", "x" * 5000, "1e400", "NaN"]
    response = client.get(
        "/api/v1/entries/status?ids=" + ",".join(odd), headers=bearer(phone.token)
    )
    assert response.status_code == 200, response.text
    assert set(response.json().values()) == {"unknown"}
