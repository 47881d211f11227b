"""What must hold after every step of a scenario, checked against the server's own answers:
its deadlines and reminders (with the oracle's), what counts in reports and indicators, that
no typed text leaks anywhere, and that another team sees nothing."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from pathlib import Path

from server.accounts.sessions import load_user
from server.approvals.counting import counted_entries
from server.deadlines.services import deadlines_for
from server.entries.tables import Entry
from server.indicators.services import IndicatorFilters, compile_counts
from server.reports.compiling import compile_month
from tests.scenarios.oracle import World, period_of
from tests.support.database import all_tables
from tests.support.run import run

DATED_KINDS = ("hearing", "follow_up", "report_due", "reassessment", "safety_plan")
# Markers are "MK" and twelve hex digits: a colon-free, dash-free word that base64url text
# could only contain by a one-in-many-millions chance, and that is then checked exactly.
MARKER = re.compile(r"MK[0-9a-f]{12}")


class LogCapture(logging.Handler):
    """Every log record the server writes while the scenario runs, as formatted text with its
    extra fields (the structured request log puts them there)."""

    def __init__(self) -> None:
        super().__init__(level=0)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(f"{record.getMessage()} {record.__dict__!r}")
        except Exception:  # a record that cannot be formatted is kept raw
            self.lines.append(repr(record.__dict__))


def markers_in(text: str, markers: set[str]) -> set[str]:
    return set(MARKER.findall(text)) & markers


async def _every_row() -> list:
    return [await table.select() for table in all_tables()]


def database_text() -> str:
    """Every row of every table, every column, as text (one event loop for them all)."""
    return repr(run(_every_row()))


def data_dir_text(data_dir: Path) -> str:
    parts = []
    for path in sorted(data_dir.rglob("*")):
        if path.is_file():
            parts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def assert_no_plaintext(
    markers: set[str], data_dir: Path, logs: LogCapture, pushes: list[dict]
) -> None:
    if not markers:
        return
    assert not markers_in(database_text(), markers), "typed text in the database"
    assert not markers_in(data_dir_text(data_dir), markers), "typed text in the data dir"
    assert not markers_in("\n".join(logs.lines), markers), "typed text in the server log"
    assert not markers_in(repr(pushes), markers), "typed text in a push message"


def assert_counting(world: World, zone: str, team_id: int, first: date, last: date) -> None:
    """Counted entries, each coordinator's months and the team's indicators agree with the
    oracle: each approved piece of work once, in its latest approved version, nothing else."""
    periods = sorted({period_of(first), period_of(world.local(world.now))})

    async def answers():
        counted = {str(row["id"]) for row in await counted_entries(Entry.id)}
        months = {
            (user, period): (await compile_month(world.user_ids[user], month_first(period), zone))[
                "by_type"
            ]
            for period in periods
            for user in world.coordinators
        }
        return counted, months, await compile_counts(IndicatorFilters(first, last, team_id), zone)

    counted, months, raw = run(answers())
    assert counted == world.counted()
    for (user, period), by_type in months.items():
        assert by_type == world.counted_in_month(user, period), (user, period)
    inside = [
        world.versions[entry_id]
        for entry_id in world.counted()
        if first <= world.local(world.versions[entry_id].occurred_at) <= last
    ]
    assert raw["referrals"]["total"] == sum(v.type == "referral" for v in inside)
    assert raw["persons_assisted"]["total"] == len({v.case for v in inside if v.case})
    assert raw["new_cases"]["total"] == sum(v.type == "case_intake" for v in inside)


def month_first(period: str) -> date:
    year, month = (int(part) for part in period.split("-"))
    return date(year, month, 1)


def server_dated_deadlines(world: World) -> dict[str, set[str]]:
    async def answers() -> dict[str, set[str]]:
        found = {}
        for user in (*world.coordinators, *world.shelter_staff):
            person = await load_user(world.user_ids[user])
            deadlines = await deadlines_for(person, world.now)
            found[user] = {d.key for d in deadlines if d.kind in DATED_KINDS}
        return found

    return run(answers())


def assert_deadlines(world: World) -> None:
    """The server's open dated deadlines are the oracle's, within the window the server
    looks at (a month behind, two weeks ahead)."""
    today = world.local(world.now)
    expected: dict[str, set[str]] = {u: set() for u in (*world.coordinators, *world.shelter_staff)}
    for deadline in world.dated_deadlines():
        if deadline.due_at is not None:
            inside = (
                world.now - timedelta(days=30) <= deadline.due_at <= world.now + timedelta(days=15)
            )
        else:
            inside = today - timedelta(days=30) <= deadline.due_on <= today + timedelta(days=15)
        if inside:
            expected[deadline.user].add(deadline.key)
    found = server_dated_deadlines(world)
    differences = {
        user: {
            "server only": found[user] - expected[user],
            "oracle only": expected[user] - found[user],
        }
        for user in expected
        if found[user] != expected[user]
    }
    assert not differences, differences
