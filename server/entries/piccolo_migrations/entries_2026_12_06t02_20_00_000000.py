"""An index on each case's entries in time order: (case, occurred_at, id).

Two pages ask for a case's entries by time. The case list shows each case's last contact
(the latest `occurred_at` of its entries, for up to 200 cases); through the plain index on
`case` both engines fetched every entry of those cases from the table to find the latest
(7,270 rows at 100,000 entries: PostgreSQL 12.9 ms, SQLite 13 ms). This index answers it
from the index alone (PostgreSQL 2.7 ms, Heap Fetches 0; SQLite 2 ms, a covering index).
The case page's timeline (newest first by occurred_at, then id, 50 at a time) reads the
same index in order instead of sorting all of a case's entries.
"""

from server.core.index_migrations import index_migration

ID = "2026-12-06T02:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index on each case's entries in time order"


async def forwards():
    return index_migration(
        ID,
        "entries",
        DESCRIPTION,
        "entry_case_occurred_at_id",
        '"entry" ("case", "occurred_at", "id")',
    )
