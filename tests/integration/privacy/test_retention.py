"""When a closed case is due for erasure (the deployment's period, a team's own, extensions),
the daily review inside the scheduler's run, and which old sealing keys may be retired."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from server.cases.services import close_case
from server.cases.tables import Case
from server.deadlines.scheduler import run_scheduler_once
from server.devices.services import register_device
from server.devices.tables import Device
from server.entries.rotation import rotate_keys
from server.notifications.tables import Notification
from server.privacy.keys import retire_keys
from server.privacy.services import (
    PrivacyError,
    due_cases,
    extend_retention,
    retention_of,
    set_team_retention,
)
from server.sealing.keys import key_ring
from tests.integration.cases.people import build_world
from tests.support.approvals import current_user
from tests.support.run import run

TODAY = date(2026, 12, 4)


def closed_days_ago(case_id: str, days: int) -> dict:
    run(close_case(uuid.UUID(case_id), "moved"))
    closed_at = datetime.combine(TODAY - timedelta(days=days), datetime.min.time(), UTC)
    run(Case.update({Case.closed_at: closed_at}).where(Case.id == uuid.UUID(case_id)))
    return run(
        Case.select(Case.id, Case.code, Case.team, Case.status, Case.closed_at)
        .where(Case.id == uuid.UUID(case_id))
        .first()
    )


def test_the_period_runs_from_closing_and_a_team_may_have_its_own():
    world = build_world()
    case = closed_days_ago(world.north_case, 1824)
    retention = run(retention_of(case))
    assert retention.due_on == TODAY + timedelta(days=1)
    assert not retention.is_due(TODAY) and retention.is_due(TODAY + timedelta(days=1))
    assert run(due_cases(case["team"], TODAY)) == []

    run(set_team_retention(case["team"], 400))
    assert run(retention_of(case)).is_due(TODAY)
    assert [row["code"] for row in run(due_cases(case["team"], TODAY))] == [world.north_code]
    # The other team keeps the deployment's period; an open case is never due.
    south = run(Case.select(Case.team).where(Case.id == uuid.UUID(world.south_case)).first())
    assert run(due_cases(south["team"], TODAY)) == []

    run(set_team_retention(case["team"], None))
    assert not run(retention_of(case)).is_due(TODAY)


def test_an_extension_keeps_the_case_off_the_list_until_its_date():
    world = build_world()
    case = closed_days_ago(world.north_case, 2000)
    sofia = current_user(world.users["sofia"])
    for until, reason in ((TODAY, "legal_proceedings"), (TODAY + timedelta(days=30), "other")):
        try:
            run(extend_retention(case, sofia, until, reason, today=TODAY))
            raise AssertionError("accepted")
        except PrivacyError:
            pass
    try:
        run(extend_retention(case, current_user(world.users["victor"]), TODAY, "person_asked"))
        raise AssertionError("another team's supervisor decided")
    except PrivacyError as error:
        assert error.code == "not_yours"
    run(extend_retention(case, sofia, TODAY + timedelta(days=30), "person_asked", today=TODAY))
    assert run(due_cases(case["team"], TODAY)) == []
    assert [row["code"] for row in run(due_cases(case["team"], TODAY + timedelta(days=30)))] == [
        world.north_code
    ]


def test_the_scheduler_reviews_retention_once_a_day():
    world = build_world()
    closed_days_ago(world.north_case, 2000)
    morning = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)
    first = run(run_scheduler_once(morning))
    assert first.retention is not None and list(first.retention.values()) == [1]
    assert run(run_scheduler_once(morning + timedelta(hours=6))).retention is None
    assert run(run_scheduler_once(morning + timedelta(days=1))).retention is not None
    notes = run(
        Notification.select(Notification.user, Notification.url, Notification.params).where(
            Notification.kind == "retention_due"
        )
    )
    assert [note["user"] for note in notes] == [world.users["sofia"]] * 2
    assert all(note["url"] == "/privacy/retention" for note in notes)


def test_retiring_keeps_the_current_key_and_every_key_still_in_use():
    world = build_world()
    ring = key_ring()
    used = ring.current_kid()
    # The current key, which wraps every entry, is never retired (keys left over from
    # earlier tests' rotations wrap nothing and may go).
    assert used not in run(retire_keys()).retired
    assert used in ring.kids()

    # A phone that has not synced since the rotation may hold envelopes sealed to the old
    # key: retiring is refused, and nothing is destroyed.
    run(register_device(world.users["ana"], "Ana's phone"))
    new_kid, _count = run(rotate_keys())
    refused = run(retire_keys())
    assert refused.retired == [] and refused.devices_behind == 1
    assert used in ring.kids()
    run(Device.update({Device.last_seen_at: datetime.now(UTC) + timedelta(seconds=1)}, force=True))
    retirement = run(retire_keys())
    assert used in retirement.retired
    assert ring.kids() == [new_kid] and ring.current_kid() == new_kid
