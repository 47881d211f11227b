"""Envelope v1: one entry sealed with a fresh AES-256-GCM key wrapped by RSA-OAEP-256.

The same format is made by the phone (Web Crypto) and, for content written on the server,
by `seal` below; `unseal` opens both.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.core.rejection import Rejection
from server.sealing.keys import ALGORITHM, KeyRing, SealingKey
from server.sealing.unwrapped import keep_key, kept_key

OAEP = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)
ENVELOPE_FIELDS = ("v", "id", "kid", "alg", "wrapped_key", "iv", "ciphertext")
B64URL = re.compile(r"[A-Za-z0-9_-]*")


class EnvelopeError(Rejection):
    """The envelope itself is malformed or does not open."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    # fullmatch: `$` would let a trailing newline through, and base64 would then skip it.
    if not isinstance(text, str) or not B64URL.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def additional_data(entry_id: str, kid: str) -> bytes:
    return f"alongside/v1|{entry_id}|{kid}".encode()


@dataclass(frozen=True)
class Envelope:
    id: str
    kid: str
    wrapped_key: bytes
    iv: bytes
    ciphertext: bytes

    def to_json(self) -> dict:
        return {
            "v": 1,
            "id": self.id,
            "kid": self.kid,
            "alg": ALGORITHM,
            "wrapped_key": b64url_encode(self.wrapped_key),
            "iv": b64url_encode(self.iv),
            "ciphertext": b64url_encode(self.ciphertext),
        }

    @property
    def digest(self) -> str:
        """What makes two envelopes "the same bytes": their sealed parts, not the JSON layout."""
        hasher = hashlib.sha256()
        for part in (
            self.id.encode(),
            self.kid.encode(),
            self.wrapped_key,
            self.iv,
            self.ciphertext,
        ):
            hasher.update(len(part).to_bytes(4, "big"))
            hasher.update(part)
        return hasher.hexdigest()


def is_uuid4(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    # Exactly the canonical lower-case form: the id is part of the additional data, and the
    # stored id (a UUID column) is read back lower-case, so any other spelling would be
    # stored but could never be opened again.
    return parsed.version == 4 and str(parsed) == value


def parse_envelope(data: object) -> Envelope:
    """Check the shape of an envelope as the contract fixes it."""
    if not isinstance(data, dict):
        raise EnvelopeError("invalid_envelope", "An envelope must be a JSON object.")
    missing = [name for name in ENVELOPE_FIELDS if name not in data]
    if missing:
        raise EnvelopeError("invalid_envelope", f"Missing envelope fields: {', '.join(missing)}.")
    # The integer 1 and nothing equal to it: in Python `True == 1` and `1.0 == 1`, and a
    # client sending either has not implemented version 1.
    if type(data["v"]) is not int or data["v"] != 1:
        raise EnvelopeError("unsupported_version", "Only envelope version 1 is understood.")
    if not is_uuid4(data["id"]):
        raise EnvelopeError("invalid_envelope", "The id must be a lower-case UUID v4.")
    if data["alg"] != ALGORITHM:
        raise EnvelopeError("unsupported_algorithm", f"The algorithm must be {ALGORITHM}.")
    if not isinstance(data["kid"], str) or not data["kid"]:
        raise EnvelopeError("invalid_envelope", "The kid must be a non-empty string.")
    try:
        wrapped_key = b64url_decode(data["wrapped_key"])
        iv = b64url_decode(data["iv"])
        ciphertext = b64url_decode(data["ciphertext"])
    except (ValueError, binascii.Error) as error:
        raise EnvelopeError(
            "invalid_envelope", "wrapped_key, iv and ciphertext must be base64url."
        ) from error
    if len(iv) != 12:
        raise EnvelopeError("invalid_envelope", "The iv must be 12 bytes.")
    if len(ciphertext) < 16:
        raise EnvelopeError("invalid_envelope", "The ciphertext is too short to hold a tag.")
    return Envelope(data["id"], data["kid"], wrapped_key, iv, ciphertext)


def unwrap_key(envelope_wrapped_key: bytes, key: SealingKey) -> bytes:
    """The envelope's AES key, unwrapped with `key` (or kept from the last time this process
    unwrapped it: server.sealing.unwrapped says why that is safe)."""
    content_key = kept_key(key.spki, envelope_wrapped_key)
    if content_key is not None:
        return content_key
    try:
        content_key = key.private_key.decrypt(envelope_wrapped_key, OAEP)
    except ValueError as error:
        raise EnvelopeError(
            "unseal_failed", "The wrapped key does not open with our key."
        ) from error
    if len(content_key) != 32:
        raise EnvelopeError("unseal_failed", "The wrapped key is not a 32-byte AES key.")
    keep_key(key.spki, envelope_wrapped_key, content_key)
    return content_key


def open_with_key(envelope: Envelope, content_key: bytes, aad_kid: str | None = None) -> bytes:
    try:
        return AESGCM(content_key).decrypt(
            envelope.iv, envelope.ciphertext, additional_data(envelope.id, aad_kid or envelope.kid)
        )
    except InvalidTag as error:
        raise EnvelopeError(
            "unseal_failed", "The content does not open: altered, or sealed for another entry."
        ) from error


def unseal(envelope: Envelope, ring: KeyRing, wrapping_kid: str | None = None) -> bytes:
    """The plaintext bytes. `wrapping_kid` is the key that wraps the AES key now (after a
    rotation it differs from the envelope's kid, which stays in the additional data)."""
    key = ring.get(wrapping_kid or envelope.kid)
    if key is None:
        raise EnvelopeError(
            "unknown_key", "The envelope is sealed to a key this server does not have."
        )
    return open_with_key(envelope, unwrap_key(envelope.wrapped_key, key), envelope.kid)


def seal(plaintext: bytes, key: SealingKey, entry_id: str | None = None) -> Envelope:
    """Seal on the server exactly as a phone does, so there is one storage format."""
    entry_id = entry_id or str(uuid.uuid4())
    content_key = AESGCM.generate_key(bit_length=256)
    iv = os.urandom(12)
    ciphertext = AESGCM(content_key).encrypt(iv, plaintext, additional_data(entry_id, key.kid))
    wrapped = key.private_key.public_key().encrypt(content_key, OAEP)
    return Envelope(entry_id, key.kid, wrapped, iv, ciphertext)


def seal_json(value: object, key: SealingKey, entry_id: str | None = None) -> Envelope:
    return seal(json.dumps(value, ensure_ascii=False).encode(), key, entry_id)
