"""The case timeline's cursor: the last row's moment in UTC with a Z, and its id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from server.cases.services import CursorError, parse_timeline_cursor, timeline_cursor

ENTRY = uuid.UUID("0f0e0d0c-0b0a-4909-8807-060504030201")


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2025, 8, 1, 10, 0, tzinfo=timezone(timedelta(hours=3))),
        datetime(2025, 8, 1, 7, 0, 0, 123456, tzinfo=UTC),
        "2025-08-01 07:00:00",  # SQLite hands some timestamps back as text
    ],
)
def test_the_cursor_names_the_moment_in_utc_and_reads_back(moment):
    cursor = timeline_cursor({"occurred_at": moment, "id": ENTRY})
    assert cursor.startswith("2025-08-01T07:00:00.")
    assert cursor.endswith(f"Z_{ENTRY}")
    at, entry_id = parse_timeline_cursor(cursor)
    expected = moment if isinstance(moment, datetime) else datetime(2025, 8, 1, 7, tzinfo=UTC)
    assert at == expected and at.tzinfo is UTC
    assert entry_id == ENTRY


@pytest.mark.parametrize(
    "cursor",
    ["", "_", "Z_", "2025-08-01T07:00:00.000000Z", f"2025-08-01T07:00:00+03:00Z_{ENTRY}"],
)
def test_anything_else_is_refused(cursor):
    with pytest.raises(CursorError):
        parse_timeline_cursor(cursor)
