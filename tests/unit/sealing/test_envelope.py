"""Envelope v1: sealing, the additional data that binds it to its id and key, and opening."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.sealing.envelope import (
    Envelope,
    EnvelopeError,
    additional_data,
    b64url_decode,
    parse_envelope,
    seal,
    seal_json,
    unseal,
    unwrap_key,
)
from server.sealing.keys import ALGORITHM, KeyRing, key_ring
from server.settings import get_settings

OAEP_SHA256 = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def ring() -> KeyRing:
    return key_ring(get_settings())


def test_seal_then_unseal_gives_the_plaintext_back(ring: KeyRing) -> None:
    plaintext = {"type": "visit", "fields": {"notes": "Ștefan cel Mare — ünïcödé"}}
    envelope = seal_json(plaintext, ring.current())
    assert json.loads(unseal(envelope, ring)) == plaintext
    # And through the JSON form that travels over the wire.
    assert json.loads(unseal(parse_envelope(envelope.to_json()), ring)) == plaintext


def test_the_json_form_is_envelope_v1(ring: KeyRing) -> None:
    entry_id = str(uuid.uuid4())
    data = seal(b"x", ring.current(), entry_id).to_json()
    assert set(data) == {"v", "id", "kid", "alg", "wrapped_key", "iv", "ciphertext"}
    assert data["v"] == 1
    assert data["id"] == entry_id
    assert data["kid"] == ring.current_kid()
    assert data["alg"] == ALGORITHM == "RSA-OAEP-256+A256GCM"
    for name in ("wrapped_key", "iv", "ciphertext"):
        assert "=" not in data[name] and "+" not in data[name] and "/" not in data[name]
    assert len(b64url_decode(data["iv"])) == 12
    assert len(b64url_decode(data["wrapped_key"])) == 384  # RSA-3072
    assert len(b64url_decode(data["ciphertext"])) == 1 + 16  # the tag is appended


def test_each_seal_uses_a_fresh_key_and_iv(ring: KeyRing) -> None:
    one = seal(b"same", ring.current(), str(uuid.uuid4()))
    two = seal(b"same", ring.current(), one.id)
    assert one.iv != two.iv
    assert one.ciphertext != two.ciphertext
    assert unwrap_key(one.wrapped_key, ring.current()) != unwrap_key(
        two.wrapped_key, ring.current()
    )


def test_additional_data_is_version_id_and_kid() -> None:
    assert additional_data("abc", "2026-11-a1b2") == b"alongside/v1|abc|2026-11-a1b2"


def test_the_content_opens_only_with_its_own_id_and_kid(ring: KeyRing) -> None:
    key = ring.current()
    entry_id = str(uuid.uuid4())
    envelope = seal(b'{"a": 1}', key, entry_id)
    content_key = key.private_key.decrypt(envelope.wrapped_key, OAEP_SHA256)
    aes = AESGCM(content_key)
    aad = f"alongside/v1|{entry_id}|{key.kid}".encode()
    assert aes.decrypt(envelope.iv, envelope.ciphertext, aad) == b'{"a": 1}'
    for wrong in (
        f"alongside/v1|{uuid.uuid4()}|{key.kid}",
        f"alongside/v1|{entry_id}|2000-01-000000",
        f"alongside/v2|{entry_id}|{key.kid}",
        f"{entry_id}|{key.kid}",
    ):
        with pytest.raises(InvalidTag):
            aes.decrypt(envelope.iv, envelope.ciphertext, wrong.encode())
    with pytest.raises(InvalidTag):
        aes.decrypt(envelope.iv, envelope.ciphertext, None)


def test_an_envelope_moved_to_another_id_does_not_open(ring: KeyRing) -> None:
    envelope = seal(b"{}", ring.current(), str(uuid.uuid4()))
    moved = Envelope(
        str(uuid.uuid4()), envelope.kid, envelope.wrapped_key, envelope.iv, envelope.ciphertext
    )
    with pytest.raises(EnvelopeError) as caught:
        unseal(moved, ring)
    assert caught.value.code == "unseal_failed"


def test_a_flipped_byte_anywhere_in_the_ciphertext_is_refused(ring: KeyRing) -> None:
    envelope = seal(b'{"notes": "hello"}', ring.current())
    for index in (0, len(envelope.ciphertext) // 2, len(envelope.ciphertext) - 1):
        altered = bytearray(envelope.ciphertext)
        altered[index] ^= 0x01
        tampered = Envelope(
            envelope.id, envelope.kid, envelope.wrapped_key, envelope.iv, bytes(altered)
        )
        with pytest.raises(EnvelopeError) as caught:
            unseal(tampered, ring)
        assert caught.value.code == "unseal_failed"


def test_a_changed_iv_or_wrapped_key_is_refused(ring: KeyRing) -> None:
    envelope = seal(b"{}", ring.current())
    iv = bytes([envelope.iv[0] ^ 1]) + envelope.iv[1:]
    wrapped = bytes([envelope.wrapped_key[0] ^ 1]) + envelope.wrapped_key[1:]
    for tampered in (
        Envelope(envelope.id, envelope.kid, envelope.wrapped_key, iv, envelope.ciphertext),
        Envelope(envelope.id, envelope.kid, wrapped, envelope.iv, envelope.ciphertext),
    ):
        with pytest.raises(EnvelopeError) as caught:
            unseal(tampered, ring)
        assert caught.value.code == "unseal_failed"


def test_an_unknown_kid_is_unknown_key(ring: KeyRing) -> None:
    envelope = seal(b"{}", ring.current())
    for kid in ("2000-01-abcdef", "../current", ".hidden", "x" * 65, "nul\x00byte", "current"):
        other = Envelope(envelope.id, kid, envelope.wrapped_key, envelope.iv, envelope.ciphertext)
        with pytest.raises(EnvelopeError) as caught:
            unseal(other, ring)
        assert caught.value.code == "unknown_key", kid


def test_a_key_sealed_to_another_public_key_does_not_unwrap(ring: KeyRing) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    content_key = AESGCM.generate_key(bit_length=256)
    entry_id = str(uuid.uuid4())
    kid = ring.current_kid()
    iv = bytes(12)
    envelope = Envelope(
        entry_id,
        kid,
        stranger.public_key().encrypt(content_key, OAEP_SHA256),
        iv,
        AESGCM(content_key).encrypt(iv, b"{}", additional_data(entry_id, kid)),
    )
    with pytest.raises(EnvelopeError) as caught:
        unseal(envelope, ring)
    assert caught.value.code == "unseal_failed"


def test_a_wrapped_key_of_the_wrong_length_is_refused(ring: KeyRing) -> None:
    key = ring.current()
    entry_id = str(uuid.uuid4())
    short_key = AESGCM.generate_key(bit_length=128)
    iv = bytes(12)
    envelope = Envelope(
        entry_id,
        key.kid,
        key.private_key.public_key().encrypt(short_key, OAEP_SHA256),
        iv,
        AESGCM(short_key).encrypt(iv, b"{}", additional_data(entry_id, key.kid)),
    )
    with pytest.raises(EnvelopeError) as caught:
        unseal(envelope, ring)
    assert caught.value.code == "unseal_failed"


# --- parse_envelope: the shape the contract fixes ------------------------------------------


def valid(ring: KeyRing) -> dict:
    return seal(b"{}", ring.current()).to_json()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"v": 2}, "unsupported_version"),
        ({"v": "1"}, "unsupported_version"),
        ({"alg": "RSA-OAEP+A128GCM"}, "unsupported_algorithm"),
        ({"id": "not-a-uuid"}, "invalid_envelope"),
        ({"id": "9b2f3c1e-1a2b-1c3d-8e4f-0123456789ab"}, "invalid_envelope"),  # v1
        ({"id": "9B2F3C1E-1A2B-4C3D-8E4F-0123456789AB"}, "invalid_envelope"),  # upper case
        ({"id": "{9b2f3c1e-1a2b-4c3d-8e4f-0123456789ab}"}, "invalid_envelope"),
        ({"id": "9b2f3c1e1a2b4c3d8e4f0123456789ab"}, "invalid_envelope"),
        ({"id": 12}, "invalid_envelope"),
        ({"kid": ""}, "invalid_envelope"),
        ({"kid": 7}, "invalid_envelope"),
        ({"iv": b64url(bytes(16))}, "invalid_envelope"),
        ({"iv": "AAAAAAAAAAAAAAAA=="}, "invalid_envelope"),  # padding is not base64url here
        ({"ciphertext": "not base64!"}, "invalid_envelope"),
        ({"ciphertext": b64url(bytes(8))}, "invalid_envelope"),
        ({"wrapped_key": None}, "invalid_envelope"),
    ],
)
def test_malformed_envelopes_are_refused_with_a_code(
    ring: KeyRing, change: dict, code: str
) -> None:
    data = {**valid(ring), **change}
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(data)
    assert caught.value.code == code


@pytest.mark.parametrize("missing", ["v", "id", "kid", "alg", "wrapped_key", "iv", "ciphertext"])
def test_every_envelope_field_is_required(ring: KeyRing, missing: str) -> None:
    data = valid(ring)
    del data[missing]
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(data)
    assert caught.value.code == "invalid_envelope"


@pytest.mark.parametrize("value", [None, [], "envelope", 1])
def test_an_envelope_must_be_an_object(value: object) -> None:
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(value)
    assert caught.value.code == "invalid_envelope"


def test_a_trailing_newline_in_base64_is_not_base64url() -> None:
    with pytest.raises(ValueError):
        b64url_decode("AAAA\n")


def test_the_digest_depends_on_every_sealed_part(ring: KeyRing) -> None:
    envelope = seal(b"{}", ring.current())
    digests = {envelope.digest}
    for index, _name in enumerate(("id", "kid", "wrapped_key", "iv", "ciphertext")):
        parts = [envelope.id, envelope.kid, envelope.wrapped_key, envelope.iv, envelope.ciphertext]
        part = parts[index]
        parts[index] = (part + "x") if isinstance(part, str) else part + b"x"
        digests.add(Envelope(*parts).digest)
    assert len(digests) == 6
    # The same parts give the same digest, however the JSON was laid out.
    assert (
        parse_envelope(dict(reversed(list(envelope.to_json().items())))).digest == envelope.digest
    )
