"""Each person's own short label for a case ("red scarf, Bălți").

With twenty codes on a phone, a coordinator cannot tell who is who; a label written in their
own words can, and for the same reason it may identify the person. So it is:

* per person and case: nobody else sees it, not even the supervisor;
* sealed at rest like an entry (Envelope v1 with the row's id in the additional data), and
  re-wrapped by a key rotation like entries and report narratives;
* shown only on pages rendered online. Offline copies of pages leave it out, so it never
  reaches the phone's disk (service worker cache, IndexedDB).
* audited each time it is set (never its text).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from server.cases.tables import CaseLabel
from server.core.identity import CurrentUser
from server.entries.services import UNIQUE_VIOLATIONS
from server.sealing.envelope import Envelope, b64url_decode, b64url_encode, seal_json, unseal
from server.sealing.keys import key_ring

LABEL_MAX = 40


class LabelError(ValueError):
    pass


def clean_label(text: str) -> str:
    """One line, spaces collapsed; at most LABEL_MAX characters (LabelError beyond)."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in text or "").split())
    if len(cleaned) > LABEL_MAX:
        raise LabelError("too_long")
    return cleaned


def _open(row: dict) -> str:
    envelope = Envelope(
        id=str(row["id"]),
        kid=row["kid"],
        wrapped_key=b64url_decode(row["wrapped_key"]),
        iv=b64url_decode(row["iv"]),
        ciphertext=b64url_decode(row["ciphertext"]),
    )
    plaintext = json.loads(unseal(envelope, key_ring(), wrapping_kid=row["key_kid"]))
    return str(plaintext.get("label", ""))


async def labels_for(user: CurrentUser, case_ids: list) -> dict[str, str]:
    """The user's own labels of these cases, by case id (as text). The caller has checked
    that the user may see the cases and that the page is not an offline copy."""
    if not case_ids:
        return {}
    rows = await CaseLabel.select(
        CaseLabel.id,
        CaseLabel.case,
        CaseLabel.kid,
        CaseLabel.key_kid,
        CaseLabel.wrapped_key,
        CaseLabel.iv,
        CaseLabel.ciphertext,
    ).where((CaseLabel.owner == user.id) & CaseLabel.case.is_in(list(case_ids)))
    return {str(row["case"]): _open(row) for row in rows}


async def set_label(user: CurrentUser, case_id: uuid.UUID, text: str) -> str:
    """Seal and keep the user's label of a case; an empty label removes it."""
    label = clean_label(text)
    key = f"{case_id}/{user.id}"
    if not label:
        await CaseLabel.delete().where(CaseLabel.case_owner == key)
        return ""
    existing = await CaseLabel.select(CaseLabel.id).where(CaseLabel.case_owner == key).first()
    row_id = existing["id"] if existing else uuid.uuid4()
    envelope = seal_json({"label": label}, key_ring().current(), str(row_id))
    sealed = {
        "kid": envelope.kid,
        "key_kid": envelope.kid,
        "wrapped_key": b64url_encode(envelope.wrapped_key),
        "iv": b64url_encode(envelope.iv),
        "ciphertext": b64url_encode(envelope.ciphertext),
        "updated_at": datetime.now(UTC),
    }
    if existing:
        await CaseLabel.update(sealed).where(CaseLabel.id == row_id)
        return label
    try:
        await CaseLabel.insert(
            CaseLabel(id=row_id, case=case_id, owner=user.id, case_owner=key, **sealed)
        )
    except UNIQUE_VIOLATIONS:
        # The same person saved twice at once: the later text wins, sealed to its own row.
        return await set_label(user, case_id, label)
    return label
