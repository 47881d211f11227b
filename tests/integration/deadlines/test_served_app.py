"""`alongside serve` runs the scheduler: a real server process sends a reminder on its own."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from server.deadlines.tables import Reminder
from server.notifications.tables import Notification
from tests.support.accounts import make_user
from tests.support.entries import open_case, plaintext, submit
from tests.support.live_server import start_server
from tests.support.run import run


def test_the_served_app_sends_a_due_reminder_by_itself(tmp_path):
    ion = make_user("ion")
    case_id, _code = open_case(ion)
    when = datetime.now(UTC) + timedelta(minutes=90)
    result = submit(ion, plaintext("accompaniment", case_id, next_hearing_at=when.isoformat()))
    assert result["status"] == "stored"
    server = start_server(tmp_path, extra_env={"ALONGSIDE_SCHEDULER_INTERVAL": "0.5"})
    try:
        deadline = time.monotonic() + 30
        while not run(Reminder.count()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert run(Reminder.count()) == 1, server.log()
        time.sleep(1.5)  # several more runs: still one
        assert run(Reminder.count()) == 1
        kinds = run(Notification.select(Notification.kind).where(Notification.user == ion))
        assert kinds == [{"kind": "hearing"}]
    finally:
        server.stop()
