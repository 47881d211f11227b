"""Key rotation: a new sealing key; every stored entry's AES key is re-wrapped to it.

The ciphertext is never rewritten, and the envelope's own kid stays in the additional
data, so an entry reads the same before and after. Old private keys are kept: phones may
still hold envelopes sealed to them. Monthly reports' sealed narratives, the people's sealed
case labels, comments on a draft risk instrument and supervisors' sealed comments (on entries
and on reports) are re-wrapped too.
"""

from __future__ import annotations

from server.entries.tables import Entry
from server.sealing.envelope import OAEP, b64url_decode, b64url_encode, unwrap_key
from server.sealing.keys import KeyRing, SealingKey, key_ring
from server.sealing.texts import rewrap_text

BATCH = 500


async def rotate_keys(ring: KeyRing | None = None) -> tuple[str, int]:
    """Make a new current key and re-wrap every entry to it: returns (new kid, count)."""
    ring = ring or key_ring()
    new_key = ring.create_key(make_current=True)
    public_key = new_key.private_key.public_key()
    count = 0
    while True:
        rows = (
            await Entry.select(Entry.id, Entry.key_kid, Entry.wrapped_key)
            # An erased entry (server.privacy) has no key left to re-wrap.
            .where((Entry.key_kid != new_key.kid) & (Entry.wrapped_key != ""))
            .limit(BATCH)
        )
        if not rows:
            break
        for row in rows:
            old_key = ring.get(row["key_kid"])
            if old_key is None:
                raise RuntimeError(
                    f"entry {row['id']} is wrapped to a missing key {row['key_kid']}"
                )
            content_key = unwrap_key(b64url_decode(row["wrapped_key"]), old_key)
            wrapped = public_key.encrypt(content_key, OAEP)
            # Only this row, and only if nobody re-wrapped it meanwhile.
            await Entry.update(
                {Entry.wrapped_key: b64url_encode(wrapped), Entry.key_kid: new_key.kid}
            ).where((Entry.id == row["id"]) & (Entry.key_kid == row["key_kid"]))
            count += 1
    await _rewrap_report_narratives(ring, new_key)
    # Imported here: these features build on entries, not the other way round.
    from server.approvals.tables import Decision
    from server.cases.tables import CaseLabel
    from server.instruments.tables import InstrumentComment
    from server.reports.tables import ReportDecision

    await _rewrap_sealed_rows(CaseLabel, ring, new_key)
    await _rewrap_sealed_rows(InstrumentComment, ring, new_key)

    await _rewrap_sealed_comments(Decision, ring, new_key)
    await _rewrap_sealed_comments(ReportDecision, ring, new_key)
    return new_key.kid, count


async def _rewrap_report_narratives(ring: KeyRing, new_key: SealingKey) -> None:
    """Monthly reports' narratives are sealed the same way (server/reports): re-wrap them too,
    so that every sealed text opens with the current key."""
    # Imported here: reports build on entries, not the other way round.
    from server.reports.tables import MonthlyReport

    public_key = new_key.private_key.public_key()
    while True:
        rows = (
            await MonthlyReport.select(
                MonthlyReport.id,
                MonthlyReport.narrative_key_kid,
                MonthlyReport.narrative_wrapped_key,
            )
            .where(
                (MonthlyReport.narrative_key_kid != new_key.kid)
                & (MonthlyReport.narrative_wrapped_key != "")
            )
            .limit(BATCH)
        )
        if not rows:
            return
        for row in rows:
            old_key = ring.get(row["narrative_key_kid"])
            if old_key is None:
                raise RuntimeError(
                    f"report {row['id']} is wrapped to a missing key {row['narrative_key_kid']}"
                )
            content_key = unwrap_key(b64url_decode(row["narrative_wrapped_key"]), old_key)
            await MonthlyReport.update(
                {
                    MonthlyReport.narrative_wrapped_key: b64url_encode(
                        public_key.encrypt(content_key, OAEP)
                    ),
                    MonthlyReport.narrative_key_kid: new_key.kid,
                }
            ).where(
                (MonthlyReport.id == row["id"])
                & (MonthlyReport.narrative_key_kid == row["narrative_key_kid"])
            )


async def _rewrap_sealed_rows(table: type, ring: KeyRing, new_key: SealingKey) -> None:
    """Tables that keep one sealed text per row in the entry's own columns (`key_kid`,
    `wrapped_key`): people's case labels (server/cases/labels.py), comments on a draft risk
    instrument (server/instruments)."""
    public_key = new_key.private_key.public_key()
    while True:
        rows = (
            await table.select(table.id, table.key_kid, table.wrapped_key)
            .where((table.key_kid != new_key.kid) & (table.wrapped_key != ""))
            .limit(BATCH)
        )
        if not rows:
            return
        for row in rows:
            old_key = ring.get(row["key_kid"])
            if old_key is None:
                raise RuntimeError(
                    f"{table._meta.tablename} {row['id']} is wrapped to a missing key "
                    f"{row['key_kid']}"
                )
            content_key = unwrap_key(b64url_decode(row["wrapped_key"]), old_key)
            await table.update(
                {
                    table.wrapped_key: b64url_encode(public_key.encrypt(content_key, OAEP)),
                    table.key_kid: new_key.kid,
                }
            ).where((table.id == row["id"]) & (table.key_kid == row["key_kid"]))


async def _rewrap_sealed_comments(table: type, ring: KeyRing, new_key: SealingKey) -> None:
    """Supervisors' comments (`comment_sealed`, server/sealing/texts.py): the AES key is
    re-wrapped inside the stored envelope, its ciphertext kept as it is."""
    while True:
        rows = (
            await table.select(table.id, table.comment_sealed, table.comment_key_kid)
            .where((table.comment_key_kid != new_key.kid) & (table.comment_sealed != ""))
            .limit(BATCH)
        )
        if not rows:
            return
        for row in rows:
            rewrapped = rewrap_text(row["comment_sealed"], row["comment_key_kid"], ring, new_key)
            await table.update(
                {table.comment_sealed: rewrapped, table.comment_key_kid: new_key.kid}
            ).where((table.id == row["id"]) & (table.comment_key_kid == row["comment_key_kid"]))
