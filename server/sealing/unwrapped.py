"""Content keys this process has already unwrapped, kept for a few minutes.

Opening a stored entry is an RSA-OAEP decryption of its wrapped AES key (about 0.6 ms with a
3072-bit key on one core of this kind of machine) followed by an AES-GCM decryption of its
content (microseconds). A case page opens 50 entries and the case list one label per case,
mostly envelopes opened a moment before (a coordinator going back to the busiest case): on
the case page RSA was a third of the time (24 ms a page, 16 ms with the keys kept).
So each process keeps the AES keys it unwraps, under a digest of the wrapping public key
(its DER bytes, not its id: two data dirs could reuse an id) and the wrapped key, for at
most `KEEP_SECONDS` and at most `KEEP_KEYS` keys.

Why this gives nothing away: the process already holds the private key that unwraps every
one of them; a kept key opens only the ciphertext sealed with it; erasure (server.privacy)
removes the ciphertext together with the wrapped key, so a key still kept opens nothing
stored. Kept keys live in this process's memory only, never on disk, and go when it stops.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict

KEEP_SECONDS = 600.0
# About 200 bytes a key with the dictionary's own: a few megabytes at most.
KEEP_KEYS = 20_000

_kept: OrderedDict[bytes, tuple[bytes, float]] = OrderedDict()
# Pages open envelopes on the event loop and jobs in worker threads: one lock for both.
_lock = threading.Lock()


def _name(public_key: bytes, wrapped_key: bytes) -> bytes:
    return hashlib.sha256(len(public_key).to_bytes(4, "big") + public_key + wrapped_key).digest()


def kept_key(public_key: bytes, wrapped_key: bytes, now: float | None = None) -> bytes | None:
    """The AES key unwrapped before from `wrapped_key` with the private half of `public_key`
    (DER), if it is still kept."""
    name = _name(public_key, wrapped_key)
    now = time.monotonic() if now is None else now
    with _lock:
        found = _kept.get(name)
        if found is None:
            return None
        content_key, kept_until = found
        if kept_until <= now:
            del _kept[name]
            return None
        _kept.move_to_end(name)
        return content_key


def keep_key(
    public_key: bytes, wrapped_key: bytes, content_key: bytes, now: float | None = None
) -> None:
    name = _name(public_key, wrapped_key)
    now = time.monotonic() if now is None else now
    with _lock:
        _kept[name] = (content_key, now + KEEP_SECONDS)
        _kept.move_to_end(name)
        while len(_kept) > KEEP_KEYS:
            _kept.popitem(last=False)


def forget_all() -> None:
    """Drop every kept key (a sealing key retired: nothing wrapped with it is kept either)."""
    with _lock:
        _kept.clear()


def kept_count() -> int:
    with _lock:
        return len(_kept)
