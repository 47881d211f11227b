"""A partial index on the entries that wait for a decision: (team, received_at) WHERE
status = 'submitted'.

The approval queue (oldest first, at most 100), its counts by type, coordinator and region,
Home's count and the reminder of entries waiting too long all ask for one team's submitted
entries. A few thousand of 100,000 entries wait, but the planners cannot tell from their
statistics: SQLite read every entry of the team through (team, occurred_at) and filtered the
status (25,000 rows, 43-45 ms a query, two a page), PostgreSQL ANDed the bitmaps of
`entry_team` and `entry_status` and sorted (10.8 ms). Through this index SQLite counts a
team's queue in 8 ms and PostgreSQL reads the oldest 100 in order with no sort (0.6 ms). The
index holds only what waits, so it stays small whatever the database's age.
"""

from server.core.index_migrations import index_migration

ID = "2026-12-06T02:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Partial index on the entries waiting for a decision"


async def forwards():
    return index_migration(
        ID,
        "approvals",
        DESCRIPTION,
        "entry_submitted_team_received_at",
        '"entry" ("team", "received_at") WHERE "status" = \'submitted\'',
    )
