"""The indexes the busiest pages were measured with are there and the database reads `entry`
through them (bench/pages_at_size.py has the figures at 100,000 entries).

A test database holds a handful of rows, where a planner rightly prefers reading the whole
table; so on PostgreSQL sequential and bitmap scans are switched off for the one
transaction (`SET LOCAL`), which leaves the planner to choose among the indexes: the one a
page needs must be the cheapest of them. SQLite chooses a partial index whenever the query
implies its condition, whatever the statistics.
"""

from __future__ import annotations

import re
import uuid

import pytest
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.query.methods.select import Max

from server.approvals.counting import counted_entries, latest_version_condition
from server.entries.tables import Entry
from tests.support.accounts import make_user
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run


def indexes_read(query) -> list[str]:
    """The indexes EXPLAIN shows `entry` (under any alias) read through, in plan order."""

    async def explain() -> list[str]:
        engine = engine_finder()
        if isinstance(engine, PostgresEngine):
            async with engine.transaction():
                await Entry.raw("SET LOCAL enable_seqscan = off")
                await Entry.raw("SET LOCAL enable_bitmapscan = off")
                rows = await Entry.raw("EXPLAIN " + str(query))
        else:
            rows = await Entry.raw("EXPLAIN QUERY PLAN " + str(query))
        return [str(value) for row in rows for value in row.values()]

    lines = run(explain())
    found = []
    for line in lines:
        match = re.search(r"Index (?:Only )?Scan (?:Backward )?using (\w+) on entry", line)
        match = match or re.search(r"SEARCH \w+ USING (?:COVERING )?INDEX (\w+)", line)
        if match:
            found.append(match.group(1))
    return found


@pytest.fixture
def coordinator() -> int:
    """A coordinator with a case and entries of it waiting for a decision."""
    ana = make_user("ana", "coordinator", "Team North", regions=("North",))
    _, code = open_case(ana)
    for day in range(1, 6):
        submit(ana, plaintext("visit", code, occurred_at=f"2025-07-0{day}T10:00:00+03:00"))
    return ana


@pytest.fixture
def team_with_work(coordinator: int) -> int:
    from server.accounts.tables import User

    return run(User.select(User.team).where(User.id == coordinator).first())["team"]


def test_the_approval_queue_reads_only_what_waits(team_with_work: int) -> None:
    waiting = (
        Entry.select(Entry.id)
        .where((Entry.team == team_with_work) & (Entry.status == "submitted"))
        .where(latest_version_condition())
        .order_by(Entry.received_at)
        .limit(100)
    )
    assert indexes_read(waiting)[0] == "entry_submitted_team_received_at"


def test_what_was_returned_to_a_coordinator_is_read_from_the_returned(coordinator) -> None:
    returned = (
        Entry.select(Entry.id)
        .where((Entry.author == coordinator) & (Entry.status == "returned"))
        .where(latest_version_condition())
        .order_by(Entry.received_at)
        .limit(100)
    )
    assert indexes_read(returned)[0] == "entry_returned_author_received_at"


def test_a_later_approved_version_is_looked_up_in_the_approved_index(team_with_work) -> None:
    counted = counted_entries(Entry.id).where(Entry.team == team_with_work)
    assert "entry_approved_root_received_at" in indexes_read(counted)


def test_the_last_contact_of_cases_is_read_from_the_index(team_with_work) -> None:
    cases = [uuid.uuid4() for _ in range(3)]
    last_contacts = (
        Entry.select(Entry.case, Max(Entry.occurred_at, alias="latest"))
        .where(Entry.case.is_in(cases))
        .group_by(Entry.case)
    )
    assert indexes_read(last_contacts) == ["entry_case_occurred_at_id"]
