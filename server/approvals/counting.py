"""What counts: the one rule reports and indicators use to decide which entries count.

An entry is a *version*: correcting an entry stores a new entry whose `revises` names the
one it corrects, and every version of one piece of work shares the chain's `root` (the id
of the first version). Versions of a chain are ordered by `received_at` (a correction can
only be stored after the version it corrects, so this is the chain's order).

**An entry counts when it is approved and no later version of its chain is approved.**
In other words: of each chain, the most recent approved version counts, and nothing else.

What this means, case by case (a monthly report to the ministry wants every piece of work
that the supervisor has accepted, once, in its latest accepted form):

* submitted, never decided → nothing counts yet;
* returned → corrected → approved: the corrected (approved) version counts; the returned
  one never does;
* approved → revised, the revision still waiting: the approved version keeps counting until
  the revision is approved — the work happened and was accepted, and a pending correction
  must not make it vanish from a report;
* approved → revised → revision returned: the approved version still counts (the
  correction was not accepted; the accepted account stands);
* approved → revised → revision approved: only the revision counts (never both);
* drafts do not exist on the server; returned and superseded versions never count.

Use `counted_entries()` for a query, or `counted_condition()` to add the rule to a query of
your own (it needs the query to select FROM "entry" under its own name, which every
`Entry.select()` and `Entry.count()` does):

    rows = await counted_entries(Entry.type, Entry.region).where(Entry.team == team_id)
    total = await Entry.count().where(counted_condition() & (Entry.type == "visit"))
"""

from __future__ import annotations

from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw
from piccolo.query.methods.select import Select

from server.entries.tables import Entry

# A later version of the same chain. `root` is set on every stored entry (the first version
# is its own root), so the comparison can use the index on `root`.
_LATER_IN_CHAIN = (
    'SELECT 1 FROM "entry" AS "later" WHERE "later"."root" = "entry"."root" '
    'AND "later"."received_at" > "entry"."received_at"'
)


def latest_version_condition() -> WhereRaw:
    """The entry is the latest version of its chain (no later version exists, whatever its
    status). Used by the approval queue: only the latest version waits for a decision."""
    return WhereRaw(f"NOT EXISTS ({_LATER_IN_CHAIN})")


def counted_condition():
    """The condition "approved, and no later approved version of its chain" (see above)."""
    return (Entry.status == "approved") & WhereRaw(
        f'NOT EXISTS ({_LATER_IN_CHAIN} AND "later"."status" = \'approved\')'
    )


def counted_entries(*columns: Column) -> Select:
    """Entries that count in reports and indicators, as an `Entry.select(*columns)` query
    to narrow further (team, period, type, region…)."""
    return Entry.select(*columns).where(counted_condition())
