"""The indexes the busiest pages were measured with are there, as the migrations define
them on either engine, and SQLite reads `entry` through them.

Why the plan is checked on SQLite only: a test database holds a handful of rows, and
PostgreSQL's planner rightly chooses by cost, which on a handful of rows (and statistics
left by earlier tests) is a near tie between indexes; what it chose at 100,000 entries (the
data of bench/pages_at_size.py) before and after each index is in the index's migration.
SQLite chooses a partial index whenever the query implies its condition, and a covering
index over one that is not, whatever the statistics: its plan is a rule, and a rule can be
tested.
"""

from __future__ import annotations

import re
import uuid

import pytest
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

from server.approvals.counting import counted_entries
from server.approvals.services import returned_query, waiting_query
from server.cases.services import last_contacts_query
from server.entries.tables import Entry
from tests.support.accounts import make_user
from tests.support.approvals import current_user
from tests.support.entries import open_case, plaintext, submit
from tests.support.run import run


def on_postgres() -> bool:
    return isinstance(engine_finder(), PostgresEngine)


def index_shape(name: str) -> tuple[list[str], str]:
    """The columns of the index `name` on `entry` and its condition ("" when none), as the
    database reports its definition, spelled alike for both engines."""
    if on_postgres():
        rows = run(
            Entry.raw(
                "SELECT indexdef AS sql FROM pg_indexes WHERE tablename = 'entry' "
                "AND indexname = {}",
                name,
            )
        )
    else:
        rows = run(
            Entry.raw(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entry' "
                "AND name = {}",
                name,
            )
        )
    assert rows, f"no index {name} on entry"
    sql = rows[0]["sql"].replace('"', "").replace("::text", "")
    columns = re.search(r" ON [^(]*\(([^)]*)\)", sql).group(1)
    condition = sql.partition(" WHERE ")[2]
    return (
        [column.strip() for column in columns.split(",")],
        re.sub(r"[\s()]", "", condition),
    )


def sqlite_reads(query) -> list[str]:
    """The indexes SQLite's query plan reads `entry` (under any alias) through, in order."""
    rows = run(Entry.raw("EXPLAIN QUERY PLAN " + str(query)))
    lines = [str(value) for row in rows for value in row.values()]
    return [
        match.group(1)
        for line in lines
        if (match := re.search(r"SEARCH \w+ USING (?:COVERING )?INDEX (\w+)", line))
    ]


def assert_index_serves(name: str, columns: list[str], condition: str, query) -> None:
    """The index `name` is on `entry` as the migration defines it and, on SQLite, `query`
    reads `entry` through it."""
    assert index_shape(name) == (columns, condition)
    if not on_postgres():
        assert name in sqlite_reads(query)


@pytest.fixture
def coordinator() -> int:
    """A coordinator with a case and entries of it waiting for a decision."""
    ana = make_user("ana", "coordinator", "Team North", regions=("North",))
    _, code = open_case(ana)
    for day in range(1, 6):
        submit(ana, plaintext("visit", code, occurred_at=f"2025-07-0{day}T10:00:00+03:00"))
    return ana


def test_the_approval_queue_reads_only_what_waits() -> None:
    supervisor = current_user(make_user("sofia", "supervisor", "Team North"))
    waiting = waiting_query(supervisor, Entry.id).order_by(Entry.received_at).limit(100)
    assert_index_serves(
        "entry_submitted_team_received_at",
        ["team", "received_at"],
        "status='submitted'",
        waiting,
    )


def test_what_was_returned_to_a_coordinator_is_read_from_the_returned(coordinator) -> None:
    assert_index_serves(
        "entry_returned_author_received_at",
        ["author", "received_at"],
        "status='returned'",
        returned_query(current_user(coordinator)),
    )


def test_a_later_approved_version_is_looked_up_in_the_approved_index(coordinator) -> None:
    assert_index_serves(
        "entry_approved_root_received_at",
        ["root", "received_at"],
        "status='approved'",
        counted_entries(Entry.id).where(Entry.author == coordinator),
    )


def test_the_last_contact_of_cases_is_read_from_the_index(coordinator) -> None:
    assert_index_serves(
        "entry_case_occurred_at_id",
        ["case", "occurred_at", "id"],
        "",
        last_contacts_query([uuid.uuid4() for _ in range(3)]),
    )
