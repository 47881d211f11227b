"""A partial index on the entries returned to their author: (author, received_at) WHERE
status = 'returned'.

Upcoming and Home show a coordinator what was returned and not corrected yet. SQLite read
that through (author, occurred_at): every entry the coordinator ever wrote (6,250 at 100,000
entries), to keep the few returned ones, 12 ms; through this index, 3 ms. A returned version
keeps its status after it is corrected, so the index grows with the returns of the years,
a few in a hundred entries, not with all the work.
"""

from server.core.index_migrations import index_migration

ID = "2026-12-06T02:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Partial index on the entries returned to their author"


async def forwards():
    return index_migration(
        ID,
        "approvals",
        DESCRIPTION,
        "entry_returned_author_received_at",
        '"entry" ("author", "received_at") WHERE "status" = \'returned\'',
    )
