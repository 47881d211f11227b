"""Several server processes on one PostgreSQL database: each reminder is sent once.

Two scheduler runs start together, each on its own event loop and thread with its own
connections (as two processes would). Once with the advisory lock (one is elected, the other
does nothing), once without it, where the reminders' unique keys alone must hold.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.deadlines.scheduler import RunSummary, run_scheduler_once
from server.deadlines.tables import Reminder
from server.notifications.tables import Notification
from server.push import services as push
from tests.support.accounts import make_user
from tests.support.entries import open_case, plaintext, submit
from tests.support.push_service import BrowserKeys, PushService
from tests.support.run import run

pytestmark = pytest.mark.postgres

CHISINAU = ZoneInfo("Europe/Chisinau")
DAY = date(2026, 3, 10)
COORDINATORS = 4
HEARINGS_EACH = 3


def together(now: datetime, elect: bool, runs: int = 2) -> list[RunSummary]:
    barrier = threading.Barrier(runs)
    results: list[RunSummary] = []
    errors: list[BaseException] = []

    def one() -> None:
        async def go() -> RunSummary:
            barrier.wait()
            return await run_scheduler_once(now, elect=elect)

        try:
            results.append(asyncio.run(go()))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.fixture
def many_hearings(monkeypatch: pytest.MonkeyPatch):
    from server.settings import get_settings

    with PushService() as service:
        monkeypatch.setenv("ALONGSIDE_PUSH_ENDPOINT_ALLOWLIST", f"{service.origin}/push/")
        get_settings.cache_clear()
        for number in range(COORDINATORS):
            user_id = make_user(f"coordinator{number}", "coordinator", "VPC North", "MD")
            run(
                push.subscribe(
                    user_id, BrowserKeys().subscription(service.url(f"/push/{number}")), ""
                )
            )
            for hearing in range(HEARINGS_EACH):
                case_id, _code = open_case(user_id)
                when = datetime.combine(DAY + timedelta(days=1), time(9 + hearing, 0), CHISINAU)
                result = submit(
                    user_id, plaintext("accompaniment", case_id, next_hearing_at=when.isoformat())
                )
                assert result["status"] == "stored"
        yield service
        get_settings.cache_clear()


EXPECTED = COORDINATORS * HEARINGS_EACH
EVENING = datetime.combine(DAY, time(18, 0), CHISINAU).astimezone(UTC)


@pytest.mark.parametrize("elect", [True, False], ids=["advisory lock", "keys alone"])
def test_two_schedulers_send_each_reminder_once(many_hearings, elect):
    service = many_hearings
    summaries = together(EVENING, elect)
    if elect:
        # At most one run was elected at a time; every elected run together sent all.
        assert any(summary.elected for summary in summaries)
    sent = [key for summary in summaries for key in summary.reminders]
    assert len(sent) == len(set(sent)) == EXPECTED
    assert run(Reminder.count()) == EXPECTED
    assert run(Notification.count().where(Notification.kind == "hearing")) == EXPECTED
    assert len(service.received) == EXPECTED
    assert len({(r.path, r.headers["topic"]) for r in service.received}) == EXPECTED

    # Again, both together, a minute later: nothing new.
    again = together(EVENING + timedelta(minutes=1), elect)
    assert [key for summary in again for key in summary.reminders] == []
    assert len(service.received) == EXPECTED


def test_the_lock_is_released_after_a_run(many_hearings):
    first = run(run_scheduler_once(EVENING))
    second = run(run_scheduler_once(EVENING + timedelta(minutes=1)))
    assert first.elected and second.elected
    assert len(first.reminders) == EXPECTED and second.reminders == []
