"""Login throttling: guessing slows down with every failure, but nobody can lock anyone out.

Failures count per (name, address), per address and per name, each as a growing delay
(429 with Retry-After), never as a lock: a stranger's guesses from another address never
stop the owner's right password, and an unknown name is answered exactly like a real one.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from server.accounts import services, throttle
from server.accounts.throttle import (
    FIRST_WAIT,
    FREE_PER_ADDRESS,
    FREE_PER_NAME,
    FREE_PER_PAIR,
    LONGEST_WAIT,
    seconds_to_wait,
)
from server.audit.tables import AuditEvent
from tests.support.accounts import PASSWORD, csrf_from, log_in, make_user
from tests.support.run import run

OWNER_ADDRESS = "198.51.100.7"
STRANGER = "203.0.113.9"
T0 = datetime(2026, 12, 4, 9, tzinfo=UTC)


def attempt(name: str, password: str, address: str) -> services.LoginOutcome:
    return run(services.authenticate(name, password, address))


def test_a_stranger_s_fifty_guesses_from_another_address_do_not_stop_the_owner():
    ion = make_user("ion")
    outcomes = [attempt("ion", f"guess {n}", STRANGER) for n in range(50)]
    assert all(outcome.user_id is None for outcome in outcomes)
    assert outcomes[-1].throttled  # the stranger is slowed down...
    # ...and the owner, from an address with no failures, gets in at once.
    assert attempt("ion", PASSWORD, OWNER_ADDRESS).user_id == ion


def test_the_owner_gets_in_through_the_login_page_after_a_stranger_s_guesses(client):
    make_user("ion")
    for n in range(50):
        run(throttle.record_failure("login", "ion", STRANGER))
        run(throttle.record_failure("login", f"name{n}", STRANGER))
    log_in(client, "ion")  # the test client's own address has no failures
    assert client.cookies.get("alongside_session")


def test_many_addresses_on_one_name_slow_down_but_a_clean_address_is_never_held_back():
    ion = make_user("ion")
    addresses = [f"192.0.2.{n}" for n in range(FREE_PER_NAME + 5)]
    for address in addresses:
        for _ in range(FREE_PER_PAIR):
            run(throttle.record_failure("login", "ion", address, at=T0))
    later = T0 + timedelta(minutes=1)
    # An address that used up its own free tries now also waits for the name's count.
    name_wait = throttle.delay_after(len(addresses) * FREE_PER_PAIR, FREE_PER_NAME)
    pair_wait = throttle.delay_after(FREE_PER_PAIR, FREE_PER_PAIR)
    assert name_wait > pair_wait + timedelta(minutes=1)
    assert run(seconds_to_wait("login", "ion", addresses[0], at=later)) == int(
        (name_wait - timedelta(minutes=1)).total_seconds()
    )
    # The owner, from anywhere else, is not.
    assert run(seconds_to_wait("login", "ion", OWNER_ADDRESS, at=later)) == 0
    assert attempt("ion", PASSWORD, OWNER_ADDRESS).user_id == ion


def test_guessing_from_one_address_slows_down_more_with_each_failure():
    make_user("ion")
    waits = []
    moment = T0
    for _ in range(FREE_PER_PAIR + 12):
        run(throttle.record_failure("login", "ion", STRANGER, at=moment))
        wait = run(seconds_to_wait("login", "ion", STRANGER, at=moment))
        waits.append(wait)
        moment += timedelta(seconds=wait)  # the guesser waits exactly as long as told
    assert waits[: FREE_PER_PAIR - 1] == [0] * (FREE_PER_PAIR - 1)
    growing = waits[FREE_PER_PAIR - 1 :]
    assert growing[0] == FIRST_WAIT.total_seconds()
    assert all(b >= a for a, b in itertools.pairwise(growing))
    assert growing[-1] == LONGEST_WAIT.total_seconds()
    # Once the wait is over, one more try is allowed (a delay, never a lock).
    assert run(seconds_to_wait("login", "ion", STRANGER, at=moment)) == 0


def test_one_address_trying_many_names_slows_down():
    for n in range(FREE_PER_ADDRESS):
        run(throttle.record_failure("login", f"name{n}", STRANGER, at=T0))
    first = FIRST_WAIT.total_seconds()
    assert run(seconds_to_wait("login", "someone-else", STRANGER, at=T0)) == first
    assert run(seconds_to_wait("login", "someone-else", OWNER_ADDRESS, at=T0)) == 0


def test_an_unknown_name_is_answered_exactly_like_a_known_one(client):
    make_user("ion")
    addresses = {"ion": "192.0.2.1", "ghost": "192.0.2.2"}
    seen = {}
    for name, address in addresses.items():
        seen[name] = [
            (outcome.user_id, outcome.retry_after)
            for outcome in (attempt(name, "wrong password", address) for _ in range(8))
        ]
    # Alike but for the clock: a wait is counted from the failure in whole seconds, so a slow
    # machine may see one second less by the time it asks.
    assert [(user, wait > 0) for user, wait in seen["ion"]] == [
        (user, wait > 0) for user, wait in seen["ghost"]
    ]
    for (_, known), (_, unknown) in zip(seen["ion"], seen["ghost"], strict=True):
        assert abs(known - unknown) <= 1
    assert seen["ion"][-1][1] > 0
    # Through HTTP, the answers (status, Retry-After) are alike too, and audited alike.
    answers = {}
    for name in ("ion", "ghost"):
        run(throttle.LoginFailure.delete(force=True))
        client.cookies.clear()
        client.get("/login")
        answers[name] = [
            (response.status_code, "retry-after" in response.headers)
            for response in (
                client.post(
                    "/login",
                    data={"username": name, "password": "bad", "_csrf_token": csrf_from(client)},
                )
                for _ in range(FREE_PER_PAIR + 1)
            )
        ]
    assert answers["ion"] == answers["ghost"]
    assert answers["ion"][-1] == (429, True)
    actions = run(AuditEvent.select(AuditEvent.action).output(as_list=True))
    assert "login_failed" in actions and "login_failed_unknown" in actions


def test_a_stranger_s_guesses_do_not_hold_back_the_owner_s_password_change(client):
    make_user("ion")
    for _ in range(50):
        run(throttle.record_failure("login", "ion", STRANGER))
    log_in(client, "ion")
    csrf = client.cookies.get("csrftoken")
    response = client.post(
        "/account/password",
        data={
            "_csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase here",
            "new_password_again": "a brand new passphrase here",
        },
    )
    assert response.status_code == 200, response.text
    actions = run(AuditEvent.select(AuditEvent.action).output(as_list=True))
    assert "password_changed" in actions


def test_the_longest_name_and_address_fit_the_stored_key():
    """PostgreSQL refuses a key longer than the column; SQLite would not notice."""
    name = "n" * 64
    address = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"
    for scope in throttle.SCOPES:
        run(throttle.record_failure(scope, name, address))
    keys = run(throttle.LoginFailure.select(throttle.LoginFailure.key).output(as_list=True))
    assert len(keys) == 9
    assert max(len(key) for key in keys) <= throttle.LoginFailure.key.length
