"""Kept content keys: a second opening skips RSA, and nothing kept opens what it should not."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from server.sealing import unwrapped
from server.sealing.envelope import EnvelopeError, seal_json, unseal, unwrap_key
from server.sealing.keys import KeyRing, SealingKey, key_ring
from server.settings import get_settings


class CountingKey:
    """A real RSA private key that counts its decryptions (everything else passes through)."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self._key = private_key
        self.decryptions = 0

    def decrypt(self, ciphertext: bytes, padding) -> bytes:
        self.decryptions += 1
        return self._key.decrypt(ciphertext, padding)

    def __getattr__(self, name: str):
        return getattr(self._key, name)


@pytest.fixture(scope="module")
def ring() -> KeyRing:
    return key_ring(get_settings())


@pytest.fixture(autouse=True)
def nothing_kept():
    unwrapped.forget_all()
    yield
    unwrapped.forget_all()


def counting(key: SealingKey) -> tuple[SealingKey, CountingKey]:
    counted = CountingKey(key.private_key)
    return SealingKey(kid=key.kid, private_key=counted), counted  # type: ignore[arg-type]


def test_the_second_opening_of_an_envelope_needs_no_rsa(ring: KeyRing) -> None:
    key, counted = counting(ring.current())
    envelope = seal_json({"fields": {"notes": "first"}}, key)
    first = unwrap_key(envelope.wrapped_key, key)
    second = unwrap_key(envelope.wrapped_key, key)
    assert first == second and len(first) == 32
    assert counted.decryptions == 1
    # And a different envelope is unwrapped with RSA, not confused with the first.
    other = seal_json({"fields": {"notes": "second"}}, key)
    assert unwrap_key(other.wrapped_key, key) != first
    assert counted.decryptions == 2


def test_a_kept_key_still_opens_only_its_own_content(ring: KeyRing) -> None:
    """The kept AES key is looked up by the wrapped key: moving the ciphertext of one
    envelope under another's wrapped key does not open, kept or not."""
    one = seal_json({"n": 1}, ring.current())
    two = seal_json({"n": 2}, ring.current())
    assert json.loads(unseal(one, ring)) == {"n": 1}
    assert json.loads(unseal(two, ring)) == {"n": 2}
    swapped = type(one)(one.id, one.kid, two.wrapped_key, one.iv, one.ciphertext)
    with pytest.raises(EnvelopeError):
        unseal(swapped, ring)


def test_a_wrapped_key_that_does_not_unwrap_is_not_kept(ring: KeyRing) -> None:
    envelope = seal_json({"n": 1}, ring.current())
    broken = bytes([envelope.wrapped_key[0] ^ 1]) + envelope.wrapped_key[1:]
    for _ in range(2):
        with pytest.raises(EnvelopeError):
            unwrap_key(broken, ring.current())
    assert unwrapped.kept_count() == 0


def test_a_key_kept_for_one_private_key_is_not_given_to_another_with_the_same_id(
    ring: KeyRing,
) -> None:
    """Two data dirs may name keys alike; what is kept is tied to the public key itself."""
    envelope = seal_json({"n": 1}, ring.current())
    unwrap_key(envelope.wrapped_key, ring.current())
    stranger = SealingKey(
        kid=ring.current().kid,
        private_key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )
    with pytest.raises(EnvelopeError):
        unwrap_key(envelope.wrapped_key, stranger)


def test_kept_keys_expire_and_the_oldest_go_first(monkeypatch: pytest.MonkeyPatch) -> None:
    public = b"public key"
    unwrapped.keep_key(public, b"wrapped", b"k" * 32, now=0.0)
    assert unwrapped.kept_key(public, b"wrapped", now=unwrapped.KEEP_SECONDS - 1) == b"k" * 32
    assert unwrapped.kept_key(public, b"wrapped", now=unwrapped.KEEP_SECONDS) is None
    assert unwrapped.kept_count() == 0

    monkeypatch.setattr(unwrapped, "KEEP_KEYS", 3)
    for n in range(4):
        unwrapped.keep_key(public, b"w%d" % n, b"%d" % n * 32, now=0.0)
    unwrapped.kept_key(public, b"w1", now=1.0)  # used again: now the newest
    unwrapped.keep_key(public, b"w4", b"4" * 32, now=1.0)
    assert unwrapped.kept_count() == 3
    assert [unwrapped.kept_key(public, b"w%d" % n, now=2.0) is not None for n in range(5)] == [
        False,
        True,
        False,
        True,
        True,
    ]
