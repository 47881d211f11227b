"""Key rotation: a new sealing key; every stored entry's AES key is re-wrapped to it.

The ciphertext is never rewritten, and the envelope's own kid stays in the additional
data, so an entry reads the same before and after. Old private keys are kept: phones may
still hold envelopes sealed to them.
"""

from __future__ import annotations

from server.entries.tables import Entry
from server.sealing.envelope import OAEP, b64url_decode, b64url_encode, unwrap_key
from server.sealing.keys import KeyRing, key_ring

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
            .where(Entry.key_kid != new_key.kid)
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
    return new_key.kid, count
