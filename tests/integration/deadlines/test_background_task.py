"""The scheduler as a background task: started by the served app only, every
ALONGSIDE_SCHEDULER_INTERVAL seconds, surviving a failed run, stopped with the app."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from server.app import create_app, create_served_app
from server.deadlines import scheduler
from server.deadlines.tables import Reminder
from server.settings import get_settings
from tests.support.accounts import make_user
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ALONGSIDE_SCHEDULER_INTERVAL", "0.1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_only_the_served_app_starts_the_scheduler():
    assert scheduler.start_scheduler not in create_app().on_startup
    served = create_served_app()
    assert scheduler.start_scheduler in served.on_startup
    assert scheduler.stop_scheduler in served.on_shutdown


def hearing_in_ninety_minutes() -> None:
    ion = make_user("ion")
    case_id, _code = open_case(ion)
    when = datetime.now(UTC) + timedelta(minutes=90)
    result = submit(ion, plaintext("accompaniment", case_id, next_hearing_at=when.isoformat()))
    assert result["status"] == "stored"


async def until_reminded(seconds: float) -> int:
    await scheduler.start_scheduler()
    try:
        for _ in range(int(seconds * 20)):
            count = await Reminder.count()
            if count:
                return count
            await asyncio.sleep(0.05)
        return 0
    finally:
        await scheduler.stop_scheduler()


def test_the_task_runs_every_interval_and_sends_the_reminder(fast):
    hearing_in_ninety_minutes()
    assert run(until_reminded(10)) == 1
    assert scheduler._task is None


def test_a_failed_run_does_not_stop_the_task(fast, monkeypatch: pytest.MonkeyPatch):
    hearing_in_ninety_minutes()
    real = scheduler.remind
    calls: list[int] = []

    async def failing_once(now):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return await real(now)

    monkeypatch.setattr(scheduler, "remind", failing_once)
    assert run(until_reminded(10)) == 1
    assert len(calls) >= 2
