"""Free text written on the server (a supervisor's comment on an entry or a monthly report),
sealed exactly like an entry: Envelope v1 under the current sealing key, so a database dump
shows none of it and `alongside keys rotate` re-wraps it like everything else.

A sealed text is kept in two columns: the envelope as JSON (empty when there is no text)
and the kid of the key that wraps its AES key now, which a rotation changes while the
envelope's own kid stays in the additional data. `sealed_as` names what the text belongs
to ("decision:12"); it is the envelope's id, so the text opens only where it was written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

from server.sealing.envelope import (
    OAEP,
    Envelope,
    b64url_decode,
    b64url_encode,
    seal_json,
    unseal,
    unwrap_key,
)
from server.sealing.keys import KeyRing, SealingKey, key_ring


@dataclass(frozen=True)
class SealedText:
    envelope: str  # Envelope v1 as JSON
    key_kid: str


def seal_text(text: str, sealed_as: str, ring: KeyRing | None = None) -> SealedText:
    """The sealed form of `text`; an empty text stays empty (nothing to hide)."""
    if not text:
        return SealedText("", "")
    key = (ring or key_ring()).current()
    envelope = seal_json({"text": text}, key, sealed_as)
    return SealedText(json.dumps(envelope.to_json()), key.kid)


def _envelope(sealed: str) -> Envelope:
    # Not parse_envelope: that one checks what a phone sends (a UUID id); this envelope was
    # written by the server, with the id it names in `sealed_as`.
    data = json.loads(sealed)
    return Envelope(
        id=data["id"],
        kid=data["kid"],
        wrapped_key=b64url_decode(data["wrapped_key"]),
        iv=b64url_decode(data["iv"]),
        ciphertext=b64url_decode(data["ciphertext"]),
    )


def open_text(sealed: str, key_kid: str, sealed_as: str, ring: KeyRing | None = None) -> str:
    """The text, for a reader the caller has checked. The envelope must have been sealed as
    `sealed_as`: a sealed text copied onto another row does not open there."""
    if not sealed:
        return ""
    envelope = _envelope(sealed)
    if envelope.id != sealed_as:
        raise ValueError(f"a sealed text of {envelope.id!r} found on {sealed_as!r}")
    plaintext = json.loads(unseal(envelope, ring or key_ring(), wrapping_kid=key_kid))
    return plaintext.get("text", "")


def rewrap_text(sealed: str, key_kid: str, ring: KeyRing, new_key: SealingKey) -> str:
    """The same envelope with its AES key wrapped to `new_key`: the ciphertext, the iv and
    the envelope's kid (in the additional data) are kept as they are."""
    old_key = ring.get(key_kid)
    if old_key is None:
        raise RuntimeError(f"a sealed text is wrapped to a missing key {key_kid}")
    data = json.loads(sealed)
    content_key = unwrap_key(_envelope(sealed).wrapped_key, old_key)
    data["wrapped_key"] = b64url_encode(new_key.private_key.public_key().encrypt(content_key, OAEP))
    return json.dumps(data)


async def seal_clear_column(table: type, column: str, sealed_prefix: str) -> int:
    """Migration step: seal every text of a clear `column` into the table's
    `<column>_sealed` and `<column>_key_kid` columns, sealed as "<prefix>:<id>", and empty
    the clear column. Rows are read and written by raw SQL: the table class describes the
    table after the migration, not before. Returns how many rows were sealed."""
    name = table._meta.tablename
    if isinstance(engine_finder(), SQLiteEngine):
        # SQLite may leave overwritten text in free pages of the file; told to zero them, it
        # does, so the clear comments do not outlive the migration there.
        await table.raw("PRAGMA secure_delete = ON")
    # Table and column names come from the migration's code, never from input.
    select = f'SELECT "id", "{column}" FROM "{name}" WHERE "{column}" != \'\''  # noqa: S608
    rows = await table.raw(select)
    for row in rows:
        sealed = seal_text(row[column], f"{sealed_prefix}:{row['id']}")
        await table.raw(
            f'UPDATE "{name}" SET "{column}_sealed" = {{}}, "{column}_key_kid" = {{}}, '  # noqa: S608
            f'"{column}" = \'\' WHERE "id" = {{}}',
            sealed.envelope,
            sealed.key_kid,
            row["id"],
        )
    return len(rows)
