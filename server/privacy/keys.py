"""Retiring old sealing keys: what makes an erasure reach the backups too.

A backup holds every entry's wrapped key, wrapped to the sealing key that was current when
the backup was made (or an older one). Erasing a case destroys the wrapped keys in the
database, not in backups already made. `alongside keys rotate` re-wraps every remaining
entry to a new key; once no stored row needs an older key, `alongside keys retire`
destroys the older private keys. From then on a backup made before the rotation opens with
no key there is: the erased case's content with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.devices.tables import Device
from server.entries.tables import Entry
from server.sealing.keys import KeyRing, key_ring
from server.sealing.unwrapped import forget_all


@dataclass(frozen=True)
class Retirement:
    retired: list[str]
    kept: list[str]  # still wrapping a stored row, or current
    devices_behind: int  # active devices not seen since the current key was made current


async def keys_in_use() -> set[str]:
    """Every kid a stored sealed text is wrapped to now."""
    # Imported here: reports build on entries, and this module should not pull them first.
    from server.reports.tables import MonthlyReport

    kids = {
        row["key_kid"]
        for row in await Entry.select(Entry.key_kid).where(Entry.wrapped_key != "").distinct()
    }
    kids |= {
        row["narrative_key_kid"]
        for row in await MonthlyReport.select(MonthlyReport.narrative_key_kid)
        .where(MonthlyReport.narrative_wrapped_key != "")
        .distinct()
    }
    # Every other sealed text kept on the server: supervisors' comments, people's case
    # labels, comments on a draft risk instrument. A kid missed here would be destroyed
    # while it still wraps a stored text.
    for column in sealed_text_kid_columns():
        table = column._meta.table
        kids |= {
            row[column._meta.name]
            for row in await table.select(column).where(column != "").distinct()
        }
    return kids


def sealed_text_kid_columns() -> list:
    """The key-id column of every table that keeps sealed text besides entries and report
    narratives."""
    from server.approvals.tables import Decision
    from server.cases.tables import CaseLabel
    from server.instruments.tables import InstrumentComment
    from server.reports.tables import ReportDecision

    return [
        Decision.comment_key_kid,
        ReportDecision.comment_key_kid,
        CaseLabel.key_kid,
        InstrumentComment.key_kid,
    ]


async def devices_behind(ring: KeyRing) -> int:
    """Active devices that have not synced since the current key was made current: they may
    still hold envelopes sealed to an older key, which a retired key could never open."""
    since = ring.became_current_at()
    if since is None:
        return 0
    not_seen_since = Device.last_seen_at.is_null() | (Device.last_seen_at < since)
    return await Device.count().where(Device.revoked_at.is_null() & not_seen_since)


async def retire_keys(ring: KeyRing | None = None, force: bool = False) -> Retirement:
    """Destroy every private sealing key that is neither current nor wrapping a stored row.
    Refuses (retires nothing) while a device may still sync envelopes sealed to an old key,
    unless `force`."""
    ring = ring or key_ring()
    current = ring.current_kid()
    needed = await keys_in_use() | {current}
    behind = await devices_behind(ring)
    candidates = [kid for kid in ring.kids() if kid not in needed]
    if behind and not force:
        return Retirement(retired=[], kept=ring.kids(), devices_behind=behind)
    for kid in candidates:
        ring.destroy(kid)
    if candidates:
        forget_all()
    kept = sorted(needed & set(ring.kids()))
    return Retirement(retired=candidates, kept=kept, devices_behind=behind)
