"""The deployment's sealing keys: RSA-3072 pairs in the data dir, one of them current.

Layout under `<data dir>/keys/sealing/`: `<kid>.pem` (private key, mode 0600, encrypted
with ALONGSIDE_SEALING_PASSPHRASE when it is set) and `current` (the kid that phones seal
to). Old keys are kept: phones in the field may still seal to them, and stored entries are
only re-wrapped by `alongside keys rotate`.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from server.settings import Settings, get_settings

KEY_BITS = 3072
ALGORITHM = "RSA-OAEP-256+A256GCM"


class SealingKeyError(RuntimeError):
    pass


@dataclass(frozen=True)
class SealingKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @cached_property
    def spki(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def spki_b64url(self) -> str:
        return base64.urlsafe_b64encode(self.spki).rstrip(b"=").decode()


class KeyRing:
    """All sealing keys of a data dir, loaded lazily and cached per process."""

    def __init__(self, settings: Settings) -> None:
        self.directory = settings.keys_dir / "sealing"
        self.passphrase = (settings.sealing_passphrase or "").encode() or None
        self._keys: dict[str, SealingKey] = {}
        self._lock = threading.Lock()

    def _path(self, kid: str) -> Path:
        return self.directory / f"{kid}.pem"

    def current_kid(self) -> str:
        pointer = self.directory / "current"
        if not pointer.exists():
            with self._lock:
                if not pointer.exists():
                    self.create_key(make_current=True)
        return pointer.read_text().strip()

    def current(self) -> SealingKey:
        return self.get(self.current_kid())

    def get(self, kid: str) -> SealingKey | None:
        if kid in self._keys:
            return self._keys[kid]
        if not kid or "/" in kid or "\\" in kid or kid.startswith(".") or len(kid) > 64:
            return None
        path = self._path(kid)
        if not path.exists():
            return None
        try:
            private_key = serialization.load_pem_private_key(
                path.read_bytes(), password=self.passphrase
            )
        except (TypeError, ValueError) as error:
            raise SealingKeyError(
                f"cannot load sealing key {kid}: wrong or missing ALONGSIDE_SEALING_PASSPHRASE"
            ) from error
        key = SealingKey(kid=kid, private_key=private_key)  # type: ignore[arg-type]
        self._keys[kid] = key
        return key

    def kids(self) -> list[str]:
        if not self.directory.exists():
            return []
        return sorted(path.stem for path in self.directory.glob("*.pem"))

    def create_key(self, make_current: bool) -> SealingKey:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        kid = f"{datetime.now(UTC):%Y-%m}-{secrets.token_hex(3)}"
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        encryption = (
            serialization.BestAvailableEncryption(self.passphrase)
            if self.passphrase
            else serialization.NoEncryption()
        )
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
        fd = os.open(self._path(kid), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        if make_current:
            self.set_current(kid)
        key = SealingKey(kid=kid, private_key=private_key)
        self._keys[kid] = key
        return key

    def loose_files(self) -> list[Path]:
        """Key files that someone other than the server's user could read."""
        if not self.directory.exists():
            return []
        return [
            path
            for path in [self.directory, *self.directory.iterdir()]
            if path.stat().st_mode & 0o077
        ]

    def became_current_at(self) -> datetime | None:
        """When the current key was made current (the pointer file's time)."""
        pointer = self.directory / "current"
        if not pointer.exists():
            return None
        return datetime.fromtimestamp(pointer.stat().st_mtime, UTC)

    def destroy(self, kid: str) -> None:
        """Overwrite and delete a private key: whatever it wrapped never opens again."""
        path = self._path(kid)
        if kid == self.current_kid() or not path.exists():
            raise SealingKeyError(f"{kid} is the current key or no key at all")
        size = path.stat().st_size
        with open(path, "r+b") as handle:
            handle.write(os.urandom(size))
            handle.flush()
            os.fsync(handle.fileno())
        path.unlink()
        self._keys.pop(kid, None)

    def set_current(self, kid: str) -> None:
        pointer = self.directory / "current"
        temporary = self.directory / f".current-{secrets.token_hex(4)}"
        temporary.write_text(kid)
        os.chmod(temporary, 0o600)
        temporary.replace(pointer)  # atomic: a reader sees the old kid or the new one


_rings: dict[Path, KeyRing] = {}


def key_ring(settings: Settings | None = None) -> KeyRing:
    settings = settings or get_settings()
    ring = _rings.get(settings.keys_dir)
    if ring is None:
        ring = _rings[settings.keys_dir] = KeyRing(settings)
    return ring
