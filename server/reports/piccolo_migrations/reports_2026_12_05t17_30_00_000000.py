"""A partial index on the approved versions of each chain: (root, received_at) WHERE
status = 'approved'.

"No later approved version of the chain" (server/approvals/counting.py) is asked once for
every entry a report or the indicators read. With this index the question is answered from
the index alone (no heap visit) and PostgreSQL's planner keeps to it: without it, a quarter of
one team's indicators at 100,000 entries was planned as a hash anti join over a sequential
scan of every entry (64-87 ms, growing with the database), against 14-20 ms with it. The
full (root, received_at) index stays for the approval queue's "latest version, whatever its
status". Partial indexes are the same SQL on SQLite (3.8 and later) and PostgreSQL.
"""

from server.core.index_migrations import index_migration

ID = "2026-12-05T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Partial index on the approved versions of entry chains"


async def forwards():
    return index_migration(
        ID,
        "reports",
        DESCRIPTION,
        "entry_approved_root_received_at",
        '"entry" ("root", "received_at") WHERE "status" = \'approved\'',
    )
