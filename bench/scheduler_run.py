"""How long one scheduler run takes (`run_scheduler_once`), on SQLite, in one process.

A deployment of COORDINATORS coordinators with HEARINGS hearings each (real entries, sealed
and stored through the sync service), SHELTER shelter staff with RESIDENTS assessed residents
each, and one supervisor. Timed: a quiet run (nothing due: what happens every minute almost
all day), and the run at 18:00 that sends every hearing's evening reminder (the inbox line
and the push message queued; no subscription, so nothing leaves the machine). Target: a quiet
run well under the default interval of 60 s — under 2 s.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time as clock
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

DATA = Path(tempfile.mkdtemp(prefix="alongside-bench-scheduler-"))
os.environ.update(
    ALONGSIDE_DATA_DIR=str(DATA), PICCOLO_CONF="server.piccolo_conf", ALONGSIDE_ENV="development"
)
os.environ.pop("DATABASE_URL", None)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COORDINATORS = 30
HEARINGS = 10
SHELTER = 5
RESIDENTS = 10
REPEATS = 5
TARGET_QUIET = 2.0
CHISINAU = ZoneInfo("Europe/Chisinau")
DAY = date(2026, 3, 10)


async def build() -> None:
    from server.accounts.services import create_user, ensure_team
    from server.core.migrations import apply_migrations
    from server.sealing.envelope import seal_json
    from server.sealing.keys import key_ring
    from server.sync.services import ingest_batch

    await apply_migrations()
    north = await ensure_team("VPC North", "MD")
    shelter = await ensure_team("Shelter", "XK")
    await create_user("elena", "x" * 20, "supervisor", north, password_hash="bench")
    key = key_ring().current()

    def envelope(plaintext: dict) -> dict:
        return seal_json(plaintext, key).to_json()

    # The smallest valid fields of each entry type, as the test suite keeps them.
    from tests.support.entries import VALID_FIELDS

    def fields(kind: str, **extra) -> dict:
        return {**VALID_FIELDS[kind], **extra}

    for number in range(COORDINATORS):
        user = await create_user(
            f"c{number}", "x" * 20, "coordinator", north, regions=["North"], password_hash="bench"
        )
        for hearing in range(HEARINGS):
            case = str(uuid.uuid4())
            intake = {
                "type": "case_intake",
                "case": case,
                "occurred_at": "2026-03-01T10:00:00+02:00",
                "revises": None,
                "fields": fields("case_intake"),
            }
            when = datetime.combine(DAY + timedelta(days=1), time(9, hearing), CHISINAU)
            accompaniment = {
                "type": "accompaniment",
                "case": case,
                "occurred_at": "2026-03-02T10:00:00+02:00",
                "revises": None,
                "fields": fields("accompaniment", next_hearing_at=when.isoformat()),
            }
            for plaintext in (intake, accompaniment):
                [result] = await ingest_batch([envelope(plaintext)], user, None)
                assert result["status"] == "stored", result
    for number in range(SHELTER):
        user = await create_user(
            f"s{number}", "x" * 20, "shelter", shelter, regions=["Prishtinë"], password_hash="bench"
        )
        for _resident in range(RESIDENTS):
            case = str(uuid.uuid4())
            intake = {
                "type": "case_intake",
                "case": case,
                "occurred_at": "2026-03-01T10:00:00+01:00",
                "revises": None,
                "fields": fields("case_intake", region="Prishtinë", citizenship="XK"),
            }
            assessment = {
                "type": "risk_assessment",
                "case": case,
                "occurred_at": "2026-03-02T10:00:00+01:00",
                "revises": None,
                "fields": fields("risk_assessment"),
            }
            for plaintext in (intake, assessment):
                [result] = await ingest_batch([envelope(plaintext)], user, None)
                assert result["status"] == "stored", result


async def timed(moment: datetime) -> tuple[float, int]:
    from server.deadlines.scheduler import run_scheduler_once

    start = clock.perf_counter()
    summary = await run_scheduler_once(moment.astimezone(UTC))
    return clock.perf_counter() - start, len(summary.reminders)


async def main() -> None:
    started = clock.perf_counter()
    await build()
    print(f"deployment built in {clock.perf_counter() - started:.1f} s")
    quiet = []
    for repeat in range(REPEATS):
        seconds, sent = await timed(datetime.combine(DAY, time(12, repeat), CHISINAU))
        assert sent == 0
        quiet.append(seconds)
    busy, sent = await timed(datetime.combine(DAY, time(18, 0), CHISINAU))
    users = COORDINATORS + SHELTER + 1
    print(
        f"users {users}, hearings {COORDINATORS * HEARINGS}, residents {SHELTER * RESIDENTS}\n"
        f"quiet run: median {statistics.median(quiet) * 1000:.0f} ms, "
        f"fastest {min(quiet) * 1000:.0f} ms (target < {TARGET_QUIET:.0f} s: "
        f"{'met' if statistics.median(quiet) < TARGET_QUIET else 'MISSED'})\n"
        f"18:00 run sending {sent} reminders: {busy * 1000:.0f} ms "
        f"({busy / max(sent, 1) * 1000:.1f} ms per reminder)"
    )


if __name__ == "__main__":
    try:
        asyncio.run(main())
    finally:
        shutil.rmtree(DATA, ignore_errors=True)
