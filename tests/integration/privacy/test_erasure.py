"""Erasure by key destruction, end to end: a supervisor erases a closed case at the end of its
retention period; nothing in the database, the data dir or a fresh backup gives its content
back; an earlier backup stops opening once the keys are rotated and the old ones retired;
last year's indicators and the monthly report keep their numbers."""

from __future__ import annotations

import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from server.accounts.tables import Session
from server.approvals.tables import Decision
from server.audit.tables import AuditEvent
from server.cases.labels import set_label
from server.cases.services import close_case
from server.cases.tables import Case, CaseLabel
from server.entries.rotation import rotate_keys
from server.entries.tables import Entry
from server.indicators.services import IndicatorFilters, compile_counts
from server.notifications.services import payload
from server.notifications.tables import Notification
from server.operations.backup import backup
from server.privacy.keys import retire_keys
from server.privacy.services import review_retention
from server.reports.compiling import compile_month
from server.sealing import unwrapped
from server.sealing.envelope import Envelope, EnvelopeError, b64url_decode, unseal
from server.sealing.keys import key_ring
from server.settings import get_settings
from tests.integration.cases.people import GIVEN_NAME, NOTES, World, build_world
from tests.integration.operations.test_backup import (  # noqa: F401 (fixtures)
    ALONGSIDE,
    restore_target,
    shared_env,
    stored_rows,
)
from tests.support.accounts import log_in
from tests.support.approvals import current_user, decided
from tests.support.entries import plaintext, submit
from tests.support.run import run

ZONE = "Europe/Chisinau"
LABEL = "LABEL-red-scarf"
LAST_YEAR = IndicatorFilters(start=date(2025, 1, 1), end=date(2025, 12, 31), team_id=None)


def approve_everything(world: World) -> None:
    for row in run(Entry.select(Entry.id, Entry.team)):
        supervisor = (
            world.users["sofia"] if row["team"] == _team("sofia") else world.users["victor"]
        )
        decided(supervisor, str(row["id"]), "approved")


def _team(username: str) -> int:
    from server.accounts.tables import User

    return run(User.select(User.team).where(User.username == username).first())["team"]


def close_long_ago(case_id: str, when: datetime) -> None:
    run(close_case(uuid.UUID(case_id), "reintegrated"))
    run(Case.update({Case.closed_at: when}).where(Case.id == uuid.UUID(case_id)))


def envelopes_of(case_id: str) -> dict[str, dict]:
    rows = run(
        Entry.select(
            Entry.id,
            Entry.envelope_kid,
            Entry.key_kid,
            Entry.wrapped_key,
            Entry.iv,
            Entry.ciphertext,
        ).where(Entry.case == uuid.UUID(case_id))
    )
    return {str(row["id"]): row for row in rows}


def opens(row: dict) -> bool:
    """Whether any key in the data dir opens this stored envelope."""
    if not row["wrapped_key"]:
        return False
    envelope = Envelope(
        id=str(row["id"]),
        kid=row["envelope_kid"],
        wrapped_key=b64url_decode(row["wrapped_key"]),
        iv=b64url_decode(row["iv"]),
        ciphertext=b64url_decode(row["ciphertext"]),
    )
    ring = key_ring()
    for kid in ring.kids():
        try:
            unseal(envelope, ring, wrapping_kid=kid)
            return True
        except EnvelopeError:
            continue
    return False


def dump_text(path: Path) -> bytes:
    """The bytes a backup file holds, readable: the SQLite file itself, or the data of a
    PostgreSQL custom-format dump written out as SQL."""
    settings = get_settings()
    if not settings.uses_postgres:
        return path.read_bytes()
    from server.operations.backup import _pg_binary

    return subprocess.run(
        [_pg_binary("pg_restore"), "--data-only", "-f", "-", str(path)],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout


def data_dir_bytes(data_dir: Path) -> bytes:
    return b"".join(
        path.read_bytes()
        for path in data_dir.rglob("*")
        if path.is_file() and "keys" not in path.parts
    )


def test_erasing_a_case_at_the_end_of_retention_leaves_nothing_readable_and_figures_unchanged(
    client,
    data_dir,
    tmp_path,
    restore_target,  # noqa: F811
    shared_env,  # noqa: F811
):
    world = build_world()
    approve_everything(world)
    # A returned visit whose comment is about this person, and each case's own label.
    run(set_label(current_user(world.users["ana"]), uuid.UUID(world.north_case), LABEL))
    run(set_label(current_user(world.users["petru"]), uuid.UUID(world.south_case), "south"))
    returned = submit(world.users["ana"], plaintext("visit", world.north_code))["id"]
    decided(world.users["sofia"], returned, "returned", f"Write where {GIVEN_NAME} sleeps now.")
    close_long_ago(world.north_case, datetime.now(UTC) - timedelta(days=6 * 365))
    before_indicators = run(compile_counts(LAST_YEAR, ZONE))
    july = date(2025, 7, 1)
    before_month = run(compile_month(world.users["ana"], july, ZONE))
    assert before_indicators["persons_assisted"]["total"] == 2

    # An earlier backup, made while the case's content was still there.
    earlier = tmp_path / ("earlier.dump" if get_settings().uses_postgres else "earlier.db")
    backup(get_settings(), earlier)
    sealed_before = envelopes_of(world.north_case)
    assert len(sealed_before) == 3 and all(opens(row) for row in sealed_before.values())

    # The day's review tells Team North's supervisor, with a count and a link only.
    assert run(review_retention()) == {_team("sofia"): 1}
    assert run(review_retention()) is None  # once a day
    notes = run(Notification.select().where(Notification.kind == "retention_due"))
    assert [note["user"] for note in notes] == [world.users["sofia"]]
    shown = payload(notes[0], "en")
    assert shown["url"] == "/privacy/retention"
    assert world.north_code not in str(shown) and world.north_code not in str(notes[0])

    log_in(client, "sofia")
    listed = client.get("/privacy/retention")
    assert listed.status_code == 200 and world.north_code in listed.text
    assert world.south_code not in listed.text
    # Opening the case keeps its entries' content keys in this process for a while...
    assert client.get(f"/cases/{world.north_code}").status_code == 200
    assert unwrapped.kept_count() > 0
    form = client.get(f"/cases/{world.north_code}/erase")
    assert form.status_code == 200
    token = client.cookies.get("csrftoken")
    response = client.post(
        f"/cases/{world.north_code}/erase",
        data={"basis": "retention_ended", "confirm_code": world.north_code, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    # ...and the erasure drops them at once, not ten minutes later.
    assert unwrapped.kept_count() == 0

    # Nothing in the database opens: the wrapped keys, IVs and ciphertexts are gone.
    after = envelopes_of(world.north_case)
    assert set(after) == set(sealed_before)
    for row in after.values():
        assert row["wrapped_key"] == row["iv"] == row["ciphertext"] == ""
        assert not opens(row)
    comments = run(
        Decision.select(Decision.comment_sealed, Decision.comment_key_kid).where(
            Decision.entry == returned
        )
    )
    assert comments == [{"comment_sealed": "", "comment_key_kid": ""}]
    # The coordinator's own label of the case, sealed free text about the person, is gone too.
    assert not run(CaseLabel.exists().where(CaseLabel.case == uuid.UUID(world.north_case)))
    assert run(CaseLabel.exists().where(CaseLabel.case == uuid.UUID(world.south_case)))
    # ...nor in the data dir (SQLite's file and log are rewritten, not just marked free)...
    if not get_settings().uses_postgres:
        on_disk = data_dir_bytes(data_dir)
        for row in sealed_before.values():
            assert row["wrapped_key"].encode() not in on_disk
            assert row["ciphertext"].encode() not in on_disk
        assert GIVEN_NAME.encode() not in on_disk
    # ...nor in a fresh backup.
    fresh = tmp_path / ("fresh.dump" if get_settings().uses_postgres else "fresh.db")
    backup(get_settings(), fresh)
    fresh_bytes = dump_text(fresh)
    for row in sealed_before.values():
        assert row["wrapped_key"].encode() not in fresh_bytes
        assert row["ciphertext"].encode() not in fresh_bytes
    assert GIVEN_NAME.encode() not in fresh_bytes
    # The other case is untouched.
    assert all(opens(row) for row in envelopes_of(world.south_case).values())

    # Past figures do not change.
    assert run(compile_counts(LAST_YEAR, ZONE)) == before_indicators
    assert run(compile_month(world.users["ana"], july, ZONE)) == before_month

    # The case page says so; the entry has nothing left to show; the audit has the decision.
    page = client.get(f"/cases/{world.north_code}")
    assert page.status_code == 200
    assert "This case was erased" in page.text and "sofia" in page.text
    assert GIVEN_NAME not in page.text
    entry = client.get(f"/entries/{world.north_intake}")
    assert entry.status_code == 200 and 'id="entry-erased"' in entry.text
    assert GIVEN_NAME not in entry.text and NOTES not in entry.text
    erased = run(
        AuditEvent.select(AuditEvent.actor_name, AuditEvent.object_id).where(
            AuditEvent.action == "erase_case"
        )
    )
    assert erased == [{"actor_name": "sofia", "object_id": world.north_code}]
    # Nothing can be added to an erased case any more.
    refused = submit(world.users["ana"], plaintext("visit", world.north_code))
    assert refused["status"] == "rejected" and refused["error"]["code"] == "case_erased"

    # The earlier backup still holds the old wrapped keys: restored, they open with the keys
    # of today until the documented rule is followed — rotate, then retire the old keys.
    restored = alongside("restore", str(earlier), env=restore_target)
    assert "restored" in restored.stdout + restored.stderr, restored.stderr
    old_rows = {k: v for k, v in stored_rows(restore_target).items() if k in sealed_before}
    assert len(old_rows) == 3 and all(opens(row) for row in old_rows.values())
    run(rotate_keys())
    assert all(opens(row) for row in old_rows.values())  # the old key is still there
    retirement = run(retire_keys())
    assert retirement.retired and key_ring().current_kid() not in retirement.retired
    assert not any(opens(row) for row in old_rows.values())
    # ...while every entry still held opens with the current key.
    assert all(opens(row) for row in envelopes_of(world.south_case).values())
    assert run(compile_counts(LAST_YEAR, ZONE)) == before_indicators


def alongside(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ALONGSIDE), *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_erasing_needs_the_password_again_and_is_refused_before_the_period_ends(client):
    world = build_world()
    approve_everything(world)
    close_long_ago(world.north_case, datetime.now(UTC) - timedelta(days=30))
    token = log_in(client, "sofia")
    run(
        Session.update({Session.reauthenticated_at: datetime.now(UTC) - timedelta(hours=1)}).where(
            Session.ended_at.is_null()
        )
    )
    data = {"basis": "retention_ended", "confirm_code": world.north_code, "_csrf_token": token}
    asked = client.post(f"/cases/{world.north_code}/erase", data=data, follow_redirects=False)
    assert asked.status_code == 303
    assert asked.headers["location"].startswith("/account/confirm?next=")
    run(
        Session.update({Session.reauthenticated_at: datetime.now(UTC)}).where(
            Session.ended_at.is_null()
        )
    )
    early = client.post(f"/cases/{world.north_code}/erase", data=data, follow_redirects=False)
    assert early.status_code == 400 and "has not ended" in early.text
    wrong_code = client.post(
        f"/cases/{world.north_code}/erase",
        data={**data, "basis": "person_request", "confirm_code": world.south_code},
        follow_redirects=False,
    )
    assert wrong_code.status_code == 400
    assert all(row["wrapped_key"] for row in envelopes_of(world.north_case).values())
    # On the person's request it may go before the period ends.
    done = client.post(
        f"/cases/{world.north_code}/erase",
        data={**data, "basis": "person_request"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert not any(row["wrapped_key"] for row in envelopes_of(world.north_case).values())


def test_only_a_supervisor_of_the_team_may_erase_and_an_open_case_is_refused(client):
    world = build_world()
    for username in ("ana", "victor", "ada"):
        client.cookies.clear()
        t = log_in(client, username)
        response = client.post(
            f"/cases/{world.north_code}/erase",
            data={
                "basis": "person_request",
                "confirm_code": world.north_code,
                "_csrf_token": t,
            },
            follow_redirects=False,
        )
        assert response.status_code == 404, username
    client.cookies.clear()
    token = log_in(client, "sofia")
    response = client.post(
        f"/cases/{world.north_code}/erase",
        data={"basis": "person_request", "confirm_code": world.north_code, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 400 and "Close the case" in response.text
    assert all(row["wrapped_key"] for row in envelopes_of(world.north_case).values())
    # Closed, but with entries waiting for a decision: they would change the figures later.
    run(close_case(uuid.UUID(world.north_case), "moved"))
    response = client.post(
        f"/cases/{world.north_code}/erase",
        data={"basis": "person_request", "confirm_code": world.north_code, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 400 and "wait for approval" in response.text
    assert all(row["wrapped_key"] for row in envelopes_of(world.north_case).values())


def test_keeping_a_case_longer_takes_it_off_the_list_until_then(client):
    world = build_world()
    close_long_ago(world.north_case, datetime.now(UTC) - timedelta(days=6 * 365))
    token = log_in(client, "sofia")
    until = (datetime.now(UTC).date() + timedelta(days=180)).isoformat()
    bad = client.post(
        f"/cases/{world.north_code}/retention",
        data={"reason": "because", "until": until, "_csrf_token": token},
        follow_redirects=False,
    )
    assert bad.status_code == 400
    kept = client.post(
        f"/cases/{world.north_code}/retention",
        data={"reason": "legal_proceedings", "until": until, "_csrf_token": token},
        follow_redirects=False,
    )
    assert kept.status_code == 303
    assert world.north_code not in client.get("/privacy/retention").text
    assert "Legal proceedings are still open" in client.get(f"/cases/{world.north_code}").text
    assert run(review_retention()) == {}
    # Erasing on the "period ended" basis is refused while the extension runs.
    refused = client.post(
        f"/cases/{world.north_code}/erase",
        data={"basis": "retention_ended", "confirm_code": world.north_code, "_csrf_token": token},
        follow_redirects=False,
    )
    assert refused.status_code == 400
