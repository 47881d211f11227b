"""The server's VAPID key pair: made on first start into `<data dir>/keys/vapid_private.pem`
(mode 0600), the same for every process that shares the data dir. Push services tie a
subscription to the public key it was made with, so this key must never change by itself."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

from server.sealing.envelope import b64url_encode
from server.settings import Settings, get_settings

FILE_NAME = "vapid_private.pem"


def key_path(settings: Settings) -> Path:
    return settings.keys_dir / FILE_NAME


def ensure_key(settings: Settings) -> Path:
    """The key file, made when missing. Two processes starting together: the first to create
    the file (O_EXCL) writes it; the other reads theirs."""
    path = key_path(settings)
    if path.exists():
        return path
    settings.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    partial = path.with_name(f".{FILE_NAME}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    try:
        # link() fails when the file exists: the first complete key wins, never half a file.
        os.link(partial, path)
    except FileExistsError:
        pass
    finally:
        partial.unlink(missing_ok=True)
    return path


@lru_cache(maxsize=4)
def _load(path: str, _mtime: float) -> Vapid:
    return Vapid.from_file(private_key_file=path)


def vapid(settings: Settings | None = None) -> Vapid:
    path = ensure_key(settings or get_settings())
    return _load(str(path), path.stat().st_mtime)


def public_key(settings: Settings | None = None) -> str:
    """The application server key browsers subscribe with: the uncompressed P-256 point."""
    raw = vapid(settings).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url_encode(raw)
